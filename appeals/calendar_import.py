"""The holiday calendar from .xlsx (see core.xlsx): a year's 放假 and 调休上班 days as the State
Council publishes them, one row per day, checked row by row in a dry run, then saved through
appeals.services.calendar_day_save. A date already in the calendar is updated; days not in the file
stay as they are. The export columns are the import columns, so an exported year can be corrected
and imported again."""

import re
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals.models import CalendarDay
from appeals.services import calendar_day_save
from core.xlsx import ChoiceReader, Column, Importer, Row

KIND_ALIASES = {
    CalendarDay.Kind.HOLIDAY: ["放假", "休", "假", "休息", "节假日", "法定节假日", "假日"],
    CalendarDay.Kind.WORKDAY: ["调休", "调休上班", "上班", "班", "补班", "工作日"],
}
WEEKDAYS = "一二三四五六日"
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?\s*$")

COLUMNS = (
    Column("date", gettext_lazy("Date"), required=True, example="2026-10-01", width=12,
           help=gettext_lazy("The day, as 2026-10-01, 2026/10/1 or 2026年10月1日.")),
    Column("kind", gettext_lazy("Kind"), required=True, example="放假", width=14,
           help=gettext_lazy("放假 for a public holiday, 调休 (or 上班) for a make-up working day on a weekend.")),
    Column("name", gettext_lazy("Name"), max_length=40, example="国庆节", width=16,
           help=gettext_lazy("The holiday it belongs to (optional).")),
    Column("weekday", gettext_lazy("Weekday"), export_only=True, width=8),
)


def parse_date(text: str) -> date | None:
    found = _DATE.match(text or "")
    if not found:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


class CalendarImporter(Importer):
    noun = gettext_lazy("day")
    sheet_title = gettext_lazy("Holiday calendar")
    columns = COLUMNS
    outcome_labels = {
        "created": gettext_lazy("created"),
        "updated": gettext_lazy("updated"),
        "unchanged": gettext_lazy("unchanged"),
    }

    def begin(self, rows):
        self.kinds = ChoiceReader(CalendarDay.Kind, KIND_ALIASES)
        self.row_of_date = {}
        for row in rows:
            day = parse_date(row.get("date"))
            if day is not None:
                self.row_of_date.setdefault(day, row.number)

    def instructions(self):
        return [(_("Kinds"), _("放假 (public holiday) or 调休 (make-up working day, a Saturday or Sunday)."))]

    def prepare(self, row: Row) -> None:
        if row.get("date"):
            day = parse_date(row.get("date"))
            if day is None:
                row.error("date", _("“%(value)s” is not a date; write it as 2026-10-01.") % {"value": row.get("date")})
            elif self.row_of_date.get(day) != row.number:
                row.error("date", _("%(date)s is already on row %(row)s.") % {
                    "date": day.isoformat(), "row": self.row_of_date[day]})
            else:
                row.data["date"] = day
        if row.get("kind"):
            kind = self.kinds.read(row.get("kind"))
            if kind is None:
                row.error("kind", _("“%(value)s” is not a kind of day; use 放假 or 调休.") % {"value": row.get("kind")})
            else:
                row.data["kind"] = kind
        row.data["name"] = row.get("name")

    def apply_row(self, row: Row) -> str:
        day = CalendarDay.objects.filter(date=row.data["date"]).first()
        if day is not None and (day.kind, day.name) == (row.data["kind"], row.data["name"]):
            return "unchanged"
        outcome = "updated" if day is not None else "created"
        day = day or CalendarDay(date=row.data["date"])
        day.kind, day.name = row.data["kind"], row.data["name"]
        calendar_day_save(actor=self.actor, day=day)
        return outcome


def calendar_export_rows(queryset):
    for day in queryset.order_by("date"):
        yield {"date": day.date, "kind": str(day.get_kind_display()), "name": day.name,
               "weekday": WEEKDAYS[day.date.weekday()]}
