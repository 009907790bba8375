"""manage.py backup_restore DIR --database-url URL (--media-root PATH | --media-storage): restore into an empty
database and an empty media directory or the configured media storage (an empty S3 bucket), then verify
against the manifest (core/backup.py)."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from core import backup
from core.storage import describe


def add_media_arguments(parser) -> None:
    media = parser.add_mutually_exclusive_group(required=True)
    media.add_argument("--media-root", help="an empty directory for the media files")
    media.add_argument("--media-storage", action="store_true",
                       help="the media storage this deployment is configured with (MEDIA_STORAGE: an S3 bucket, or "
                            "MEDIA_ROOT), which must be empty")


def media_target(media_root, media_storage) -> dict:
    return {"media_root": media_root} if media_root else {"storage": default_storage}


class Command(BaseCommand):
    help = "Restore a backup_create directory into an empty database and media directory, and verify it."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--database-url", required=True,
                            help="the empty database to restore into (postgres://… or sqlite:////path)")
        add_media_arguments(parser)

    def handle(self, *args, directory, database_url, media_root=None, media_storage=False, **options):
        target = media_target(media_root, media_storage)
        if media_storage:
            self.stdout.write(f"Restoring the media into {describe(default_storage)}")
        check = backup.restore(directory, database_url=database_url, **target)
        report(self, check)


def report(command, check) -> None:
    command.stdout.write(f"{check.tables} tables, {check.rows:,} rows, {check.personal_values} personal values "
                         f"decrypted, {check.media_files} media files ({check.images} images opened)")
    if not check.ok:
        for problem in check.problems:
            command.stderr.write(problem)
        raise CommandError(f"the restored copy differs from the backup in {len(check.problems)} ways")
    command.stdout.write("The restored copy matches the backup.")
