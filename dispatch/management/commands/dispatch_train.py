"""manage.py dispatch_train FILE --text-col 标题 --text-col 内容 --label-col 部门 [--activate]"""

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from dispatch.classifier import Params
from dispatch.datafile import ProgressLine, metrics_lines, read_labelled
from dispatch.services import classifier_train


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
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        try:
            texts, labels = read_labelled(options["file"], options["text_cols"], options["label_col"])
            self.stdout.write(f"{len(texts)} labelled texts, {len(set(labels))} labels")
            version = classifier_train(
                actor=None, texts=texts, labels=labels, activate=options["activate"], params=Params(C=options["C"]),
                trained_on=f"{options['file']} ({' + '.join(options['text_cols'])} → {options['label_col']})",
                progress=ProgressLine(self.stderr, enabled=not options["no_progress"]))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        metrics = version.metrics
        if metrics.get("cv_folds"):
            self.stdout.write(f"cross-validated ({metrics['cv_folds']} folds, near-copies kept in one fold):")
            for line in metrics_lines(metrics):
                self.stdout.write("  " + line)
        else:
            self.stdout.write("too few texts per label to cross-validate")
        state = "active" if version.is_active else "not active (activate it in the admin or with --activate)"
        self.stdout.write(self.style.SUCCESS(f"stored version {version.version}: {state}"))
