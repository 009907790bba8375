"""manage.py dispatch_train FILE --text-col 标题 --text-col 内容 --label-col 部门 [--activate] [--no-keep] [--if-no-model]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from dispatch.classifier import Params
from dispatch.datafile import ProgressLine, metrics_lines, read_labelled
from dispatch.models import ClassifierVersion
from dispatch.services import classifier_train, training_examples_import


class Command(BaseCommand):
    help = ("Train a dispatch classifier on a history file (.xlsx or .csv) and store it as a new version, "
            "printing its cross-validated metrics.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--text-col", action="append", required=True, dest="text_cols",
                            help="column holding text (repeat for title and description)")
        parser.add_argument("--label-col", required=True, help="column holding the label (category or department code)")
        parser.add_argument("--activate", action="store_true", help="make the new version the active one")
        parser.add_argument("--C", type=float, default=Params.C, help="SVM regularisation (default %(default)s)")
        parser.add_argument("--no-keep", action="store_true",
                            help="do not keep the rows as training examples (kept by default, so that later "
                                 "retraining learns from them together with the platform's own appeals)")
        parser.add_argument("--if-no-model", action="store_true",
                            help="do nothing when a version exists already (for `make run`'s demo)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["if_no_model"] and ClassifierVersion.objects.exists():
            return
        try:
            texts, labels = read_labelled(options["file"], options["text_cols"], options["label_col"])
            self.stdout.write(f"{len(texts)} labelled texts, {len(set(labels))} labels")
            # Kept before training, so that the nightly retraining sees nothing new since this version.
            kept = 0 if options["no_keep"] else training_examples_import(
                actor=None, texts=texts, labels=labels, source_name=Path(options["file"]).name)
            version = classifier_train(
                actor=None, texts=texts, labels=labels, activate=options["activate"], params=Params(C=options["C"]),
                trained_on=f"{options['file']} ({' + '.join(options['text_cols'])} → {options['label_col']})",
                progress=ProgressLine(self.stderr, enabled=not options["no_progress"]))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if kept:
            self.stdout.write(f"{kept} rows kept as training examples for later retraining (replacing those kept "
                              f"from a file of the same name)")
        metrics = version.metrics
        if metrics.get("cv_folds"):
            self.stdout.write(f"cross-validated ({metrics['cv_folds']} folds, near-copies kept in one fold):")
            for line in metrics_lines(metrics):
                self.stdout.write("  " + line)
        else:
            self.stdout.write("too few texts per label to cross-validate")
        state = "active" if version.is_active else "not active (activate it in the admin or with --activate)"
        self.stdout.write(self.style.SUCCESS(f"stored version {version.version}: {state}"))
