"""manage.py backup_restore DIR --database-url URL --media-root PATH: restore into an empty database and
media directory, then verify against the manifest (core/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = "Restore a backup_create directory into an empty database and media directory, and verify it."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--database-url", required=True,
                            help="the empty database to restore into (postgres://… or sqlite:////path)")
        parser.add_argument("--media-root", required=True, help="the empty directory the media files go into")

    def handle(self, *args, directory, database_url, media_root, **options):
        check = backup.restore(directory, database_url=database_url, media_root=media_root)
        report(self, check)


def report(command, check) -> None:
    command.stdout.write(f"{check.tables} tables, {check.rows:,} rows, {check.personal_values} personal values "
                         f"decrypted, {check.media_files} media files ({check.images} images opened)")
    if not check.ok:
        for problem in check.problems:
            command.stderr.write(problem)
        raise CommandError(f"the restored copy differs from the backup in {len(check.problems)} ways")
    command.stdout.write("The restored copy matches the backup.")
