"""How events' audit rows read (found at start-up by core.apps; see core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "events.event.create": _("Event created"),
    "events.event.update": _("Event changed"),
    "events.event.publish": _("Event published"),
    "events.event.close": _("Event sign-up closed"),
    "events.event.reopen": _("Event sign-up reopened"),
    "events.event.cancel": _("Event cancelled"),
    "events.event.finish": _("Event finished"),
    "events.results.publish": _("Event results published"),
    "events.results.correct": _("Event results corrected"),
    "events.photo.add": _("Event photo added"),
})
