"""manage.py backup_create DIR [--keys-file PATH]: the database, the media and a manifest (core/backup.py)."""

from django.core.management.base import BaseCommand

from core import backup


class Command(BaseCommand):
    help = "Back up the database and the media files into a new directory, with a manifest to verify a restore."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--keys-file", help="also write the personal-data keys here (keep it apart from the backup)")

    def handle(self, *args, directory, keys_file=None, **options):
        manifest = backup.create(directory, keys_file=keys_file)
        rows = sum(manifest["tables"].values())
        self.stdout.write(f"Backed up {len(manifest['tables'])} tables ({rows:,} rows) and "
                          f"{len(manifest['media']):,} media files (from {manifest['media_from']}) into {directory}")
        if keys_file:
            self.stdout.write(f"Keys written to {keys_file}: store them apart from the backup.")
