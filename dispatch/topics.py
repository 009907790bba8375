"""每月一题 (one topic a month): a matter many residents raised — a 热点 cluster — that a supervisor
turns into a tracked item owned by a department, so that it is solved at its root rather than one
appeal at a time. These are its scoped reads; its writes are ``monthly_topic_create`` and
``monthly_topic_update`` in dispatch.services, its checks are in dispatch.permissions.

Why it lives in dispatch and not in an app of its own: a topic is born from the hot spots page
(dispatch.hotspots clusters the appeals a supervisor may see) and keeps that cluster's appeals and
key words; the supervision that follows is small (an owner, a status, a note). Should it grow its
own lifecycle, it can move out whole: appeals knows nothing of it (MonthlyTopicAppeal is the link).
"""

from django.db.models import Q, QuerySet

from appeals.models import Appeal
from appeals.selectors import appeals_visible_to
from dispatch.models import MonthlyTopic
from orgs.selectors import departments_visible_to


def topics_visible_to(user) -> QuerySet[MonthlyTopic]:
    """Topics owned by a department in the user's scope, and those the user created."""
    qs = MonthlyTopic.objects.select_related("owner_department__unit", "created_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.is_resident:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(Q(owner_department__in=departments_visible_to(user)) | Q(created_by=user))


def topic_appeals(user, topic: MonthlyTopic) -> QuerySet[Appeal]:
    """The topic's appeals that ``user`` may see."""
    return appeals_visible_to(user).filter(pk__in=topic.appeal_links.values("appeal_id")).order_by("-created_at")
