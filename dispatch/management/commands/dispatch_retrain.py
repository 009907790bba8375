"""manage.py dispatch_retrain [--from-history] [--if-no-model] [--no-activate] [--force]

Nightly from cron (see deploy/crontab): a no-op when nothing was recorded since the newest version."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from dispatch.datafile import ProgressLine, metrics_lines
from dispatch.models import ClassifierVersion, TrainingExample
from dispatch.services import MIN_EXAMPLES_PER_LABEL, classifier_retrain, training_examples_record_history


class Command(BaseCommand):
    help = ("Train a new dispatch classifier version on everything the platform has recorded: closed appeals "
            "(labelled with the department that finally handled them) and dispatchers' corrections. It becomes "
            "active when it is no worse than the active version. What the nightly task does, on demand.")

    def add_arguments(self, parser):
        parser.add_argument("--from-history", action="store_true",
                            help="first record closed appeals that never passed through the platform's closing "
                                 "step (imported or generated history)")
        parser.add_argument("--if-no-model", action="store_true",
                            help="do nothing when a version exists already (for `make run`'s demo)")
        parser.add_argument("--no-activate", action="store_true", help="store the new version without activating it")
        parser.add_argument("--force", action="store_true",
                            help="train even when nothing was recorded since the newest version")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if options["if_no_model"] and ClassifierVersion.objects.exists():
            return
        try:
            if options["from_history"]:
                recorded = training_examples_record_history(actor=None)
                self.stdout.write(f"{recorded} closed appeals recorded as training examples")
            newest = ClassifierVersion.objects.defer("model").order_by("-version").first()
            if newest and not options["force"] and not TrainingExample.objects.filter(
                    created_at__gt=newest.created_at).exists():
                self.stdout.write(f"nothing recorded since version {newest.version} was trained: not retrained "
                                  f"(--force trains anyway)")
                return
            version = classifier_retrain(actor=None, activate_if_better=not options["no_activate"],
                                         progress=ProgressLine(self.stderr, enabled=not options["no_progress"]))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if version is None:
            raise CommandError(f"too little to learn from: training needs at least two departments (or "
                               f"categories) with {MIN_EXAMPLES_PER_LABEL} recorded examples each")
        metrics = version.metrics
        self.stdout.write(f"version {version.version}: {version.n_samples} examples, {len(version.labels)} labels")
        if metrics.get("cv_folds"):
            for line in metrics_lines(metrics):
                self.stdout.write("  " + line)
        state = "active" if version.is_active else "not active (worse than the active version, or --no-activate)"
        self.stdout.write(self.style.SUCCESS(f"stored version {version.version}: {state}"))
