"""填报 by xlsx: a department reports many units' or months' figures at once, each row through
``report_submit`` (checked all together; nothing saved unless every row is right)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.xlsx import Column, Importer
from orgs.models import Unit
from targets import services
from targets.models import ReportedIndicator


class ReportImporter(Importer):
    noun = gettext_lazy("figure")
    sheet_title = gettext_lazy("Figures")
    columns = (
        Column("indicator", gettext_lazy("Indicator code"), required=True, example="family-doctor"),
        Column("unit", gettext_lazy("Division code"), required=True, text_format=True, example="140702000000"),
        Column("month", gettext_lazy("Month"), required=True, text_format=True, example="2026-03"),
        Column("numerator", gettext_lazy("Value or numerator"), required=True, example="8120"),
        Column("denominator", gettext_lazy("Denominator (rates only)"), example="21500"),
        Column("note", gettext_lazy("Note"), max_length=500),
    )
    outcome_labels = {"created": gettext_lazy("reported")}

    def prepare(self, row):
        indicator = ReportedIndicator.objects.filter(code=row.get("indicator").strip()).first()
        if indicator is None and row.get("indicator"):
            row.error("indicator", _("No reported indicator has this code."))
        unit = Unit.objects.filter(code=row.get("unit").strip()).first()
        if unit is None and row.get("unit"):
            row.error("unit", _("No unit has this division code."))
        row.data = {"indicator": indicator, "unit": unit}

    def apply_row(self, row):
        services.report_submit(
            actor=self.actor,
            indicator=row.data["indicator"],
            unit=row.data["unit"],
            month=row.get("month"),
            numerator=row.get("numerator"),
            denominator=row.get("denominator") or None,
            note=row.get("note"),
        )
        return "created"
