"""manage.py dispatch_eval FILE --text-col 标题 --text-col 内容 --label-col 部门 [--model-version N]"""

import time

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from dispatch.classifier import ModelError, TextClassifier, evaluate, prepare
from dispatch.datafile import ProgressLine, metrics_lines, read_labelled
from dispatch.labels import routing_labels
from dispatch.models import ClassifierVersion


class Command(BaseCommand):
    help = ("Evaluate the active dispatch classifier (or --model-version N) on a labelled file (.xlsx or .csv): "
            "accuracy, macro-F1, per-label figures, the confusion matrix, top-2 accuracy and speed.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--text-col", action="append", required=True, dest="text_cols")
        parser.add_argument("--label-col", required=True)
        parser.add_argument("--model-version", type=int, dest="version",
                            help="a stored version number (default: the active one)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        versions = ClassifierVersion.objects.all()
        version = (versions.filter(version=options["version"]) if options["version"]
                   else versions.filter(is_active=True)).first()
        if version is None:
            raise CommandError(f"no classifier version {options['version']}" if options["version"] else
                               "no classifier is active: train one with dispatch_train --activate, "
                               "or give --model-version")
        try:
            model = TextClassifier.loads(version.model)
        except ModelError as exc:
            raise CommandError(f"version {version.version}: {exc}") from None
        try:
            texts, labels = read_labelled(options["file"], options["text_cols"], options["label_col"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        labels = routing_labels(labels)  # department codes are learnt as type and level: compare alike
        progress = ProgressLine(self.stderr, enabled=not options["no_progress"])
        started = time.perf_counter()
        docs = []
        for i, text in enumerate(texts, 1):
            docs.append(prepare(text))
            progress("segmenting", i, len(texts))
        proba = model.proba_prepared(docs)
        seconds = time.perf_counter() - started
        predicted = [model.labels[i] for i in proba.argmax(axis=1)]
        unknown = sorted(set(labels) - set(model.labels))
        metrics = evaluate(labels, predicted, sorted(set(model.labels) | set(labels)), None)
        index = {label: i for i, label in enumerate(model.labels)}
        top2 = proba.argsort(axis=1)[:, ::-1][:, :2]
        metrics["top2_accuracy"] = sum(index.get(t, -1) in row for t, row in zip(labels, top2, strict=True)) / len(labels)
        self.stdout.write(f"version {version.version} on {len(texts)} texts from {options['file']}")
        for line in metrics_lines(metrics):
            self.stdout.write("  " + line)
        if unknown:
            self.stdout.write(self.style.WARNING(
                f"labels the model never learned (always wrong): {'、'.join(unknown)}"))
        self.stdout.write(f"{len(texts) / seconds:,.0f} messages/second (segmentation included)")
