"""manage.py backup_verify DIR --database-url URL --media-root PATH: check a restored copy (core/backup.py)."""

from django.core.management.base import BaseCommand

from core import backup
from core.management.commands.backup_restore import report


class Command(BaseCommand):
    help = "Check a restored database and media directory against a backup's manifest."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--database-url", required=True)
        parser.add_argument("--media-root", required=True)

    def handle(self, *args, directory, database_url, media_root, **options):
        report(self, backup.verify(directory, database_url=database_url, media_root=media_root))
