"""manage.py audit_purge: remove audit rows older than AUDIT_RETENTION_DAYS (at least 180, the MLPS
practice of six months), keeping the chain checkable from the first kept row; the purge is itself
recorded in the trail. The scheduler runs it daily."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.audit import chain_purge


class Command(BaseCommand):
    help = "Remove audit rows past the retention period (AUDIT_RETENTION_DAYS), keeping the hash chain checkable."

    def handle(self, *args, **options):
        before = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        removed = chain_purge(before=before)
        self.stdout.write(f"Removed {removed:,} audit rows written before {before:%Y-%m-%d} "
                          f"(retention {settings.AUDIT_RETENTION_DAYS} days).")
