"""manage.py dispatch_starter_catalogue [--if-empty]"""

from django.core.management.base import BaseCommand
from django.db import transaction

from dispatch.models import CatalogueEntry
from dispatch.services import catalogue_entry_save
from dispatch.starter import STARTER


class Command(BaseCommand):
    help = ("Load the starter responsibility catalogue (通用派单目录): common phrases pointing to department "
            "types, for routing before a model is trained. Entries already there are left as they are.")

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the catalogue has entries")

    def handle(self, *args, **options):
        if options["if_empty"] and CatalogueEntry.objects.exists():
            return
        existing = set(CatalogueEntry.objects.filter(department__isnull=True).values_list("phrase", "label"))
        created = 0
        with transaction.atomic():
            for kind, phrases in STARTER.items():
                for phrase in phrases:
                    if (phrase, kind) not in existing:
                        catalogue_entry_save(actor=None, entry=CatalogueEntry(
                            phrase=phrase, label=kind, note="starter catalogue (通用派单目录)"))
                        created += 1
        self.stdout.write(self.style.SUCCESS(f"starter catalogue: {created} entries added"))
