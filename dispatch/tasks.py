"""Background work of the dispatch app (django-tasks; the database backend runs it in the worker).

Schedule ``retrain_classifier.enqueue()`` (for example nightly, from cron through
``manage.py shell -c``, or from a periodic job) so that dispatchers' corrections reach the model.
"""

from django_tasks import task

from dispatch.services import classifier_retrain


@task()
def retrain_classifier(activate_if_better: bool = True) -> int | None:
    """Retrain on every recorded example; returns the new version number, or None if there was too
    little to learn from."""
    version = classifier_retrain(actor=None, activate_if_better=activate_if_better)
    return version.version if version else None
