from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What each menu entry is for, under its name on the home page's tiles (web.views reads it).
TILE_TEXT = {
    "deliberation.hall": _(
        "Topics of your community: propose, support, discuss, vote and rate how decisions are carried out."
    ),
    "deliberation.staff": _("Review residents' topics, run the council, publish decisions and follow their tasks."),
    "deliberation.overdue": _("Tasks of council decisions past their due date in your units."),
}


class DeliberationConfig(AppConfig):
    name = "deliberation"
    verbose_name = _("Deliberation (议事协商)")

    def ready(self):
        self.plug_into_appeals()
        self.register_menu()
        self.register_indicators()

    @staticmethod
    def register_indicators():
        """Decisions made, decisions carried out and residents' satisfaction in the 民生实事 registry
        (targets.registry)."""
        from deliberation.indicators import register_all

        register_all()

    @staticmethod
    def plug_into_appeals():
        """A task filed as a demand follows it: each step of the demand (dispatched, replied, closed)
        becomes a line of the topic's timeline, with no one typing it. Appeals never imports this app."""
        from appeals.models import AppealEvent
        from appeals.signals import appeal_event_recorded
        from deliberation.signals import on_appeal_event

        appeal_event_recorded.connect(on_appeal_event, sender=AppealEvent, dispatch_uid="deliberation-tasks")

    @staticmethod
    def register_menu():
        """议事协商 for residents (their community's hall) and for staff (moderation, meetings, tasks);
        议事督办 (overdue tasks) for supervisors."""
        from core.menu import RESIDENT, MenuEntry, register
        from deliberation import permissions

        register(
            MenuEntry(
                "deliberation.hall",
                _("Community deliberation (议事协商)"),
                "deliberation:hall",
                permissions.may_open_resident_hall,
                menu=RESIDENT,
                section="main",
                order=30,
            )
        )
        register(
            MenuEntry(
                "deliberation.staff",
                _("Community deliberation (议事协商)"),
                "deliberation:staff",
                permissions.may_open_staff_hall,
                section="work",
                order=45,
            )
        )
        register(
            MenuEntry(
                "deliberation.overdue",
                _("Overdue council tasks (议事督办)"),
                "deliberation:overdue",
                permissions.may_supervise,
                section="work",
                order=46,
            )
        )
