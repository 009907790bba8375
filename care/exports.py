"""The spreadsheets the staff pages of care give out (core.xlsx): the registry as a list, the coverage
gaps, a unit's figures with the units below it, and one person's whole record for them (PIPL). Lists
are masked like the pages; only the access request, checked and audited by the service, is in clear."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from care.services import COMMON_CHECKLIST
from core.xlsx import Column, write_sheets

PEOPLE_COLUMNS = [
    Column("name", gettext_lazy("Name (姓名)"), width=12),
    Column("id_number", gettext_lazy("ID number"), width=22),
    Column("sex", gettext_lazy("Sex"), width=6),
    Column("birth_year", gettext_lazy("Birth year"), width=8),
    Column("unit", gettext_lazy("Village / community"), width=18),
    Column("grid", gettext_lazy("Grid"), width=12),
    Column("categories", gettext_lazy("Categories"), width=26),
    Column("risk", gettext_lazy("Risk"), width=10),
    Column("carers", gettext_lazy("Responsible people (包联人)"), width=22),
    Column("last_visit", gettext_lazy("Last visit"), width=12),
    Column("next_due", gettext_lazy("Next visit due"), width=12),
    Column("ended", gettext_lazy("Record ended"), width=18),
]

UNIT_COLUMNS = [
    Column("unit", gettext_lazy("Unit"), width=22),
    Column("people", gettext_lazy("People in care"), width=10),
    Column("covered", gettext_lazy("With a responsible person"), width=12),
    Column("coverage", gettext_lazy("Coverage %"), width=10),
    Column("gaps", gettext_lazy("Coverage gaps"), width=10),
    Column("visits_due", gettext_lazy("Visits due (90 days)"), width=12),
    Column("visits_on_time", gettext_lazy("Visits on time"), width=12),
    Column("on_time_rate", gettext_lazy("Visits on time %"), width=12),
    Column("overdue", gettext_lazy("Overdue now"), width=10),
    Column("open_needs", gettext_lazy("Open needs"), width=10),
]

CATEGORY_COLUMNS = [
    Column("category", gettext_lazy("Care category"), width=20),
    Column("people", gettext_lazy("People in care"), width=10),
]


def _carers(person) -> str:
    return "、".join(f"{a.carer}（{a.get_role_display()}）" for a in getattr(person, "open_assignments", []))


def people_rows(people):
    """One row per person, masked (``people`` prefetched with open_memberships and open_assignments)."""
    for person in people:
        yield {
            "name": person.masked_name,
            "id_number": person.masked_id_number,
            "sex": person.get_sex_display(),
            "birth_year": person.birth_date.year,
            "unit": person.unit.name,
            "grid": person.grid.display_short if person.grid else "",
            "categories": "、".join(m.category.name for m in getattr(person, "open_memberships", [])),
            "risk": person.get_risk_level_display(),
            "carers": _carers(person),
            "last_visit": person.last_visit_at.date() if person.last_visit_at else "",
            "next_due": person.next_visit_due or "",
            "ended": f"{person.ended_on:%Y-%m-%d} {person.get_end_reason_display()}" if person.ended_on else "",
        }


def _unit_row(name: str, figures) -> dict:
    return {
        "unit": name,
        "people": figures.people,
        "covered": figures.covered,
        "coverage": figures.coverage,
        "gaps": figures.gaps,
        "visits_due": figures.visits_due,
        "visits_on_time": figures.visits_on_time,
        "on_time_rate": figures.on_time_rate,
        "overdue": figures.overdue_now,
        "open_needs": figures.open_needs,
    }


def unit_workbook(unit, figures, children) -> bytes:
    """The unit's row and its children's, the people per category, and the high-risk people not seen longest."""
    rows = [_unit_row(unit.name, figures)] + [_unit_row(child.name, f) for child, f in children]
    return write_sheets(
        [
            (pgettext("care", "Figures"), UNIT_COLUMNS, rows),
            (
                _("People per category"),
                CATEGORY_COLUMNS,
                [{"category": category.name, "people": n} for category, n in figures.by_category],
            ),
            (_("High risk, not seen longest"), PEOPLE_COLUMNS, list(people_rows(figures.longest_unvisited))),
        ]
    )


# --- one person's whole record, in clear (PIPL access request) ---------------------------------------------

RECORD_COLUMNS = [Column("item", gettext_lazy("Item"), width=22), Column("value", gettext_lazy("Value"), width=50)]
MEMBERSHIP_COLUMNS = [
    Column("category", gettext_lazy("Care category"), width=18),
    Column("since", gettext_lazy("Since"), width=12),
    Column("until", gettext_lazy("Until"), width=12),
    Column("source", gettext_lazy("Source"), width=18),
    Column("values", gettext_lazy("Field values"), width=50),
]
ASSIGNMENT_COLUMNS = [
    Column("carer", gettext_lazy("Responsible person"), width=16),
    Column("role", gettext_lazy("Role"), width=18),
    Column("since", gettext_lazy("Since"), width=12),
    Column("until", gettext_lazy("Until"), width=12),
]
VISIT_COLUMNS = [
    Column("visited_at", gettext_lazy("Visited at"), width=18),
    Column("visitor", gettext_lazy("Visited by"), width=14),
    Column("on_time", gettext_lazy("On time"), width=8),
    Column("checklist", gettext_lazy("Checklist"), width=40),
    Column("notes", gettext_lazy("Notes"), width=50),
]
NEED_COLUMNS = [
    Column("code", gettext_lazy("Demand"), width=18),
    Column("filed_at", gettext_lazy("Filed at"), width=18),
    Column("filed_by", gettext_lazy("Filed by"), width=14),
    Column("how", gettext_lazy("How"), width=14),
    Column("title", gettext_lazy("The need"), width=30),
    Column("state", gettext_lazy("State"), width=14),
]


def record_sections(record: dict) -> dict:
    """The record as rows, shared by the spreadsheet and the printable page."""
    person = record["person"]
    facts = [
        (_("Name (姓名)"), person.name),
        (_("ID number"), person.id_number),
        (_("Sex"), person.get_sex_display()),
        (_("Birth date"), person.birth_date.isoformat()),
        (_("Phone"), person.phone or "—"),
        (_("Address"), person.address or "—"),
        (_("Village / community"), person.unit.name),
        (_("Grid"), person.grid.name if person.grid else "—"),
        (_("Risk"), person.get_risk_level_display()),
        (_("Registered"), f"{timezone.localdate(person.created_at):%Y-%m-%d}"),
    ]
    if person.risk_override:
        facts.append((_("Risk set by hand"), f"{person.get_risk_override_display()}：{person.risk_override_reason}"))
    if person.ended_on:
        facts.append(
            (
                _("Record ended"),
                f"{person.ended_on:%Y-%m-%d} {person.get_end_reason_display()} {person.end_note}".strip(),
            )
        )

    def values_text(membership) -> str:
        labels = {spec["name"]: spec["label"] for spec in membership.category.fields}
        return "；".join(f"{labels.get(k, k)}={v}" for k, v in membership.values.items())

    labels = {key: str(label) for key, label in COMMON_CHECKLIST}
    for membership in record["memberships"]:
        labels.update({item["name"]: item["label"] for item in membership.category.checklist or []})

    def checklist_text(visit) -> str:
        names = {"ok": _("OK"), "concern": _("Concern")}
        return "；".join(f"{labels.get(k, k)}：{names.get(v, v)}" for k, v in visit.checklist.items())

    def local(moment) -> str:
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"

    return {
        "facts": [{"item": str(k), "value": v} for k, v in facts],
        "memberships": [
            {
                "category": m.category.name,
                "since": m.since,
                "until": m.until or "",
                "source": m.get_source_display(),
                "values": values_text(m),
            }
            for m in record["memberships"]
        ],
        "assignments": [
            {"carer": str(a.carer), "role": a.get_role_display(), "since": a.since, "until": a.until or ""}
            for a in record["assignments"]
        ],
        "visits": [
            {
                "visited_at": local(v.visited_at),
                "visitor": str(v.visitor),
                "on_time": _("yes") if v.on_time else _("no"),
                "checklist": checklist_text(v),
                "notes": v.notes,
            }
            for v in record["visits"]
        ],
        "needs": [
            {
                "code": n["appeal"].code,
                "filed_at": local(n["appeal"].created_at),
                "filed_by": str(n["filed_by"]),
                "how": _("On a visit") if n["visit"] else _("From the record"),
                "title": n["appeal"].title,
                "state": n["appeal"].get_state_display(),
            }
            for n in record["needs"]
        ],
    }


def record_workbook(sections: dict) -> bytes:
    return write_sheets(
        [
            (_("Person"), RECORD_COLUMNS, sections["facts"]),
            (_("Categories"), MEMBERSHIP_COLUMNS, sections["memberships"]),
            (_("Responsible people (包联人)"), ASSIGNMENT_COLUMNS, sections["assignments"]),
            (_("Visits"), VISIT_COLUMNS, sections["visits"]),
            (_("Needs and demands"), NEED_COLUMNS, sections["needs"]),
        ]
    )
