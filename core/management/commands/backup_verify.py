"""manage.py backup_verify DIR --database-url URL (--media-root PATH | --media-storage): check a restored copy
(core/backup.py)."""

from django.core.management.base import BaseCommand

from core import backup
from core.management.commands.backup_restore import add_media_arguments, media_target, report


class Command(BaseCommand):
    help = "Check a restored database and media directory against a backup's manifest."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--database-url", required=True)
        add_media_arguments(parser)

    def handle(self, *args, directory, database_url, media_root=None, media_storage=False, **options):
        report(self, backup.verify(directory, database_url=database_url, **media_target(media_root, media_storage)))
