"""The deliberation hall's sweep, run by the scheduler with the appeals sweep: tell proposers and
supporters what happened (站内信 from the event outbox), catch up demand tasks whose demand moved while
the signal was not heard, and publish the ratings whose period has closed. Each step is idempotent."""

from django.core.management.base import BaseCommand

from deliberation import notifications, services


class Command(BaseCommand):
    help = "Deliver the deliberation notices, follow the demand tasks and publish the ratings that are due."

    def handle(self, *args, **options):
        synced = services.tasks_sync_open()
        published = services.ratings_publish_due()
        sent = notifications.deliver_pending()
        self.stdout.write(f"tasks followed: {synced}, ratings published: {published}, events told: {sent}")
