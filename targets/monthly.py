"""The monthly report of a unit: the 民生实事 list with progress, each section of the dashboard (demands,
care and what the feature apps register) for the unit and the units below it, the 三率 ranking of
those units, and the sections other apps add (hot spots, 每月一题 …), as a Word document (python-docx,
the format offices circulate) and a workbook, with the charts as images. Its figures come from
``selectors.dashboard``: the same numbers as the leader's dashboard for that unit and month.

Other apps add a section to the report through ``register_section`` (from their ``AppConfig.ready``):
``section(unit, period, viewer) -> ReportTable | None`` (``viewer``: who asked for the report, None
for the nightly build); dispatch adds the month's hot spots and 每月一题 this way."""

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import kpis
from appeals.kpis import Period
from core.audit import audit_record
from targets import charts, selectors
from targets.models import MonthlyReport, MonthlyReportState


@dataclass
class ReportTable:
    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""


logger = logging.getLogger("minsheng.targets")
_sections: dict[str, Callable] = {}


def register_section(key: str, section: Callable) -> None:
    _sections[key] = section


def extra_tables(unit, period, viewer=None) -> list[ReportTable]:
    """The registered apps' sections; one that fails is logged and left out, never the whole report."""
    out = []
    for key, section in list(_sections.items()):
        try:
            table = section(unit, period, viewer)
        except Exception:  # noqa: BLE001 - another app's section must not stop the report
            logger.exception("monthly report section %s failed for %s", key, unit.code)
            continue
        if table is not None:
            out.append(table)
    return out


# --- the figures ---------------------------------------------------------------------------------

RANKED = ("demands.response_rate", "demands.resolution_rate", "demands.satisfaction_rate")


def ranking(board: selectors.Dashboard) -> ReportTable | None:
    """The 三率 of the units one level down, ranked by the composite score the 三率 page uses (its
    weights), from the dashboard's own figures."""
    section = next((s for s in board.sections if s.key == "demands"), None)
    if section is None or not board.children:
        return None
    lines = {line.indicator.code: line for line in section.lines}
    if not all(code in lines for code in RANKED):
        return None
    weights = kpis.Weights.current()
    rows = []
    for index, child in enumerate(board.children):
        rates = [lines[code].children[index][1] for code in RANKED]
        parts = [
            (w, Fraction(str(v.numerator)) / Fraction(str(v.denominator)))
            for w, v in zip((weights.response, weights.resolution, weights.satisfaction), rates, strict=True)
            if v.denominator and w
        ]
        total = sum(w for w, _r in parts)
        score = (sum(w * r for w, r in parts) / total * 100) if total else None
        rows.append([child.name, *[v.shown() for v in rates], "—" if score is None else f"{float(score):.2f}", score])
    rows.sort(key=lambda r: (r[-1] is None, -(r[-1] or 0)))
    ranked = []
    for place, row in enumerate(rows, start=1):
        ranked.append([place if row[-1] is not None else "—", *row[:-1]])
    return ReportTable(
        _("三率 ranking of the units below"),
        [_("Rank"), _("Unit"), *[str(lines[c].indicator.name) for c in RANKED], _("Composite score")],
        ranked,
        note=kpis.weights_text(weights),
    )


def target_table(board: selectors.Dashboard) -> ReportTable:
    rows = [
        [
            line.target.title,
            line.target.owner_unit.name,
            str(line.target.baseline),
            str(line.target.target_value),
            "—" if line.value is None else f"{line.value}",
            "—" if line.share is None else f"{line.share}%",
            line.status_label,
            line.reason,
        ]
        for line in board.targets
    ]
    return ReportTable(
        _("民生实事 targets"),
        [
            _("Target"),
            _("Owner unit"),
            _("Baseline"),
            _("Target value"),
            _("Current value"),
            _("Progress"),
            _("Status"),
            _("Reason"),
        ],
        rows,
    )


def section_tables(board: selectors.Dashboard) -> list[tuple[ReportTable, bytes | None]]:
    out = []
    for section in board.sections:
        headers = [_("Unit"), *[str(line.indicator.name) for line in section.lines]]
        rows = [[board.unit.name, *[line.value.shown() for line in section.lines]]]
        for index, child in enumerate(board.children):
            rows.append([child.name, *[line.children[index][1].shown() for line in section.lines]])
        chart = None
        first = section.lines[0] if section.lines else None
        if first is not None and board.children:
            values = [None if v.value is None else float(v.value) for _c, v in first.children]
            chart = charts.bar_chart(
                f"{first.indicator.name}",
                [c.display_short for c in board.children],
                values,
                unit="%" if first.value.is_rate else "",
            )
        out.append((ReportTable(section.label, headers, rows), chart))
    return out


# --- the files ----------------------------------------------------------------------------------


def title_of(unit, period: Period) -> str:
    return _("%(unit)s livelihood report, %(year)s-%(month)02d (民生实事月报)") % {
        "unit": unit.name,
        "year": period.start.year,
        "month": period.start.month,
    }


def build_docx(board: selectors.Dashboard, extra: list[ReportTable], progress=None) -> bytes:
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)
    document.add_heading(title_of(board.unit, board.period), level=0)
    document.add_paragraph(
        _("Period: %(period)s. Built %(at)s.")
        % {"period": board.period, "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    )

    def table(t: ReportTable):
        document.add_heading(t.title, level=1)
        grid = document.add_table(rows=1, cols=len(t.headers))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, t.headers, strict=True):
            cell.text = str(text)
        for row in t.rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=False):
                cell.text = "" if value is None else str(value)
        if t.note:
            document.add_paragraph(t.note)

    table(target_table(board))
    if progress:
        progress(40)
    for t, chart in section_tables(board):
        table(t)
        if chart:
            document.add_picture(io.BytesIO(chart), width=Cm(16))
    if progress:
        progress(70)
    rank = ranking(board)
    if rank:
        table(rank)
    for t in extra:
        table(t)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_xlsx(board: selectors.Dashboard, extra: list[ReportTable]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as SheetImage
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    tables = [(target_table(board), None), *section_tables(board)]
    rank = ranking(board)
    if rank:
        tables.append((rank, None))
    tables += [(t, None) for t in extra]
    used = set()
    for t, chart in tables:
        name = t.title[:28]
        while name in used:
            name = name[:26] + f"{len(used)}"
        used.add(name)
        sheet = workbook.create_sheet(name.replace("/", "-"))
        sheet.append([str(h) for h in t.headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in t.rows:
            sheet.append(["" if v is None else (v if isinstance(v, int | float) else str(v)) for v in row])
        for column in "ABCDEFGH":
            sheet.column_dimensions[column].width = 18
        if t.note:
            sheet.append([])
            sheet.append([t.note])
        if chart:
            sheet.add_image(SheetImage(io.BytesIO(chart)), f"A{sheet.max_row + 3}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_request(*, actor, unit, period: Period) -> MonthlyReport:
    """A new version of the unit's report of the month, waiting to be built."""
    with transaction.atomic():
        last = (
            (
                MonthlyReport.objects.select_for_update()
                .filter(unit=unit, month=period.start)
                .aggregate(v=Max("version"))["v"]
            )
            or 0
        )
        return MonthlyReport.objects.create(
            unit=unit, month=period.start, version=last + 1, created_by=actor if getattr(actor, "pk", None) else None
        )


# A report is built in seconds (4.6 s for the city, bench/targets.py); one still "being built" after this
# long lost its worker, and is marked failed so that its page stops waiting (core.jobs.jobs_recover).
REPORT_STALE = timedelta(minutes=30)


def reports_recover(*, now) -> dict:
    """Mark failed the reports whose build died with its worker; building the report again makes a new
    version. A build that was only slow and still ends writes its files over the mark."""
    given_up = MonthlyReport.objects.filter(state=MonthlyReportState.BUILDING,
                                            created_at__lt=now - REPORT_STALE).update(
        state=MonthlyReportState.FAILED,
        error=_("The build was interrupted (the worker building it stopped). Build the report again."))
    return {"monthly_reports_given_up": given_up}


def report_build(report: MonthlyReport, *, viewer=None) -> MonthlyReport:
    """Build the files of ``report`` (a version made by report_request), noting progress as it goes."""
    from appeals.kpis import month_period

    def progress(percent):
        MonthlyReport.objects.filter(pk=report.pk).update(progress=percent)

    try:
        period = month_period(report.month.year, report.month.month)
        progress(5)
        board = selectors.dashboard(viewer, report.unit, period)
        progress(30)
        extra = extra_tables(report.unit, period, viewer)
        docx = build_docx(board, extra, progress)
        xlsx = build_xlsx(board, extra)
        stem = f"{report.unit.code}-{report.month:%Y-%m}-v{report.version}"
        report.docx.save(f"{stem}.docx", ContentFile(docx), save=False)
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        report.state, report.progress, report.finished_at = MonthlyReportState.READY, 100, timezone.now()
        report.save()
        audit_record(
            actor=report.created_by,
            verb="targets.monthly_report.build",
            target=report,
            data={"unit": report.unit.code, "month": f"{report.month:%Y-%m}", "version": report.version},
        )
    except Exception as exc:
        MonthlyReport.objects.filter(pk=report.pk).update(state=MonthlyReportState.FAILED, error=str(exc)[:300])
        raise
    return report
