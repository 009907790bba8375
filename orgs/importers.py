"""Units and departments from .xlsx (see core.xlsx): each row is checked, then saved through
orgs.services with the importing administrator as actor. The export columns are the import
columns, so an exported list can be corrected and imported again."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.xlsx import ChoiceReader, Column, Importer, Row, code_text, parse_decimal
from orgs.models import KIND_LEVEL, Department, DepartmentKind, Level, Unit, UnitKind
from orgs.permissions import may_administer_unit
from orgs.services import department_save, unit_save

LEVEL_ALIASES = {
    Level.CITY: ["市", "地级市"],
    Level.COUNTY: ["县", "区", "县级市", "区县", "县区", "县/区", "县/区/县级市"],
    Level.TOWNSHIP: ["乡", "镇", "街道", "乡镇", "乡镇街道", "乡/镇/街道"],
    Level.VILLAGE: ["村", "社区", "村社区", "村/社区", "村居"],
    Level.GRID: ["网格"],
}
KIND_ALIASES = {UnitKind.COUNTY_CITY: ["县级市"], UnitKind.SUBDISTRICT: ["街道办事处"]}
DEPARTMENT_CODE = re.compile(r"^[-a-zA-Z0-9_]+$")


def _place(unit: Unit | None) -> str:
    return unit.code if unit else ""


def unit_columns():
    """The import columns; the last ones are written by exports only."""
    return (
        Column("code", gettext_lazy("Division code"), required=True, max_length=15, text_format=True,
               example="140702001000",
               help=gettext_lazy("The 12-digit statistical division code (统计用区划代码); a grid's code is its "
                                 "community's code plus 3 digits. A code that exists already updates that unit.")),
        Column("name", gettext_lazy("Name"), required=True, max_length=100, example="北关街道", width=24),
        Column("short_name", gettext_lazy("Short name"), max_length=50, example="北关"),
        Column("level", gettext_lazy("Level"), example="乡镇街道",
               help=gettext_lazy("City, county, township, village or grid (市, 县/区, 乡/镇/街道, 村/社区, 网格), "
                                 "as the code or the name. May be left empty when the type says it.")),
        Column("kind", gettext_lazy("Type"), example="街道",
               help=gettext_lazy("The finer type (区, 县, 县级市, 镇, 乡, 街道, 村, 社区 …), as the code or the name.")),
        Column("parent_code", gettext_lazy("Parent division code"), max_length=15, text_format=True,
               example="140702000000",
               help=gettext_lazy("The code of the unit above; empty for the city only. The parent may be a "
                                 "row higher up in the same file.")),
        Column("latitude", gettext_lazy("Latitude"), example="37.697",
               help=gettext_lazy("Optional centroid in decimal degrees; give both latitude and longitude.")),
        Column("longitude", gettext_lazy("Longitude"), example="112.708"),
        Column("parent_name", gettext_lazy("Parent unit"), export_only=True, width=24),
        Column("is_active", gettext_lazy("Active"), export_only=True, width=8),
    )


class UnitImporter(Importer):
    noun = gettext_lazy("unit")
    sheet_title = gettext_lazy("Units")

    columns = unit_columns()

    def begin(self, rows):
        self.levels = ChoiceReader(Level, LEVEL_ALIASES)
        self.kinds = ChoiceReader(UnitKind, KIND_ALIASES)
        self.row_of_code = {}
        for row in rows:
            self.row_of_code.setdefault(code_text(row.get("code")), row.number)

    def instructions(self):
        return [
            (_("Levels"), self.levels_text()),
            (_("Types"), ChoiceReader(UnitKind).allowed()),
        ]

    @staticmethod
    def levels_text():
        return ChoiceReader(Level).allowed()

    def prepare(self, row: Row) -> None:
        code = code_text(row.get("code"))
        first = self.row_of_code.get(code)
        if code and first != row.number:
            row.error("code", _("The code %(code)s is already on row %(row)s.") % {"code": code, "row": first})
            return
        level = kind = None
        if row.get("level"):
            level = self.levels.read(row.get("level"))
            if level is None:
                row.error("level", _("“%(value)s” is not a level; use one of: %(allowed)s.") % {
                    "value": row.get("level"), "allowed": self.levels.allowed()})
        if row.get("kind"):
            kind = self.kinds.read(row.get("kind"))
            if kind is None:
                row.error("kind", _("“%(value)s” is not a type; use one of: %(allowed)s.") % {
                    "value": row.get("kind"), "allowed": self.kinds.allowed()})
        if level is None and kind is not None:
            level = KIND_LEVEL[kind]
        elif kind is None and level is not None:
            kinds = [k for k, lvl in KIND_LEVEL.items() if lvl == level]
            if len(kinds) == 1:
                kind = kinds[0]
            elif not row.get("kind"):
                row.error("kind", _("Give the type: one of %(allowed)s.") % {
                    "allowed": "、".join(str(UnitKind(k).label) for k in kinds)})
        elif level is None and not row.get("level") and not row.get("kind"):
            row.error("level", _("Give the level or the type."))

        parent = None
        parent_code = code_text(row.get("parent_code"))
        if parent_code:
            parent = Unit.objects.filter(code=parent_code).first()
            if parent is None:
                seen = self.row_of_code.get(parent_code)
                if seen and seen < row.number:
                    message = _("The unit %(code)s on row %(row)s has problems, so it cannot be the parent.")
                elif seen:
                    message = _("The unit %(code)s comes later, on row %(row)s; put parent units above "
                                "the units below them.")
                else:
                    message = _("No unit has the division code %(code)s.")
                row.error("parent_code", message % {"code": parent_code, "row": seen})

        coordinates = {}
        for key in ("latitude", "longitude"):
            if row.has(key):
                coordinates[key] = None
                if row.get(key):
                    try:
                        coordinates[key] = parse_decimal(row.get(key), places=6)
                    except ValueError:
                        row.error(key, _("“%(value)s” is not a number in decimal degrees.") % {
                            "value": row.get(key)})
                        continue
                    limit = 90 if key == "latitude" else 180
                    if abs(coordinates[key]) > limit:
                        row.error(key, _("Must lie between -%(limit)s and %(limit)s.") % {"limit": limit})
        if row.errors:
            return

        unit = Unit.objects.filter(code=code).first()
        if unit is not None and not may_administer_unit(self.actor, unit):
            row.error("code", _("The unit %(code)s exists and is outside your scope.") % {"code": code})
            return
        unit = unit or Unit(code=code)
        unit.name = row.get("name")
        if row.has("short_name"):
            unit.short_name = row.get("short_name")
        unit.level, unit.kind, unit.parent = level, kind, parent
        for key, value in coordinates.items():
            setattr(unit, key, value)
        row.data["unit"] = unit

    def apply_row(self, row: Row) -> str:
        unit = row.data["unit"]
        outcome = "updated" if unit.pk else "created"
        unit_save(actor=self.actor, unit=unit)
        return outcome


def unit_export_rows(units):
    for unit in units.select_related("parent"):
        yield {
            "code": unit.code, "name": unit.name, "short_name": unit.short_name,
            "level": unit.get_level_display(), "kind": unit.get_kind_display(),
            "parent_code": _place(unit.parent), "latitude": unit.latitude, "longitude": unit.longitude,
            "parent_name": unit.parent.name if unit.parent else "",
            "is_active": _("yes") if unit.is_active else _("no"),
        }


def department_columns():
    return (
        Column("code", gettext_lazy("Department code"), required=True, max_length=40, example="140702-health",
               help=gettext_lazy("A short code of letters, digits and - or _, unique in the city "
                                 "(e.g. the unit's code and the type). A code that exists already updates "
                                 "that department.")),
        Column("name", gettext_lazy("Name"), required=True, max_length=100, example="榆次区卫生健康局", width=28),
        Column("short_name", gettext_lazy("Short name"), max_length=50, example="榆次区卫健局", width=20),
        Column("kind", gettext_lazy("Type"), required=True, example="卫健",
               help=gettext_lazy("The department's field (卫健, 人社, 住建, 民政 …), as the code or the name.")),
        Column("unit_code", gettext_lazy("Unit division code"), required=True, max_length=15, text_format=True,
               example="140702000000",
               help=gettext_lazy("The city or county the department belongs to.")),
        Column("unit_name", gettext_lazy("Unit"), export_only=True, width=20),
        Column("is_active", gettext_lazy("Active"), export_only=True, width=8),
    )


class DepartmentImporter(Importer):
    noun = gettext_lazy("department")
    sheet_title = gettext_lazy("Departments")
    columns = department_columns()

    def begin(self, rows):
        self.kinds = ChoiceReader(DepartmentKind)
        self.row_of_code = {}
        for row in rows:
            self.row_of_code.setdefault(row.get("code").strip(), row.number)

    def instructions(self):
        return [(_("Types"), ChoiceReader(DepartmentKind).allowed())]

    def prepare(self, row: Row) -> None:
        code = row.get("code").strip()
        first = self.row_of_code.get(code)
        if code and first != row.number:
            row.error("code", _("The code %(code)s is already on row %(row)s.") % {"code": code, "row": first})
        elif code and not DEPARTMENT_CODE.match(code):
            row.error("code", _("Use only letters, digits, - and _ in the code; got “%(code)s”.") % {"code": code})
        kind = self.kinds.read(row.get("kind"))
        if kind is None and row.get("kind"):
            row.error("kind", _("“%(value)s” is not a department type; use one of: %(allowed)s.") % {
                "value": row.get("kind"), "allowed": self.kinds.allowed()})
        unit_code = code_text(row.get("unit_code"))
        unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
        if unit is None and unit_code:
            row.error("unit_code", _("No unit has the division code %(code)s.") % {"code": unit_code})
        if row.errors:
            return
        department = Department.objects.filter(code=code).select_related("unit").first() or Department(code=code)
        name = row.get("name")
        if Department.objects.filter(unit=unit, name=name).exclude(code=code).exists():
            row.error("name", _("%(unit)s already has a department named %(name)s.") % {
                "unit": unit.name, "name": name})
            return
        department.name, department.kind, department.unit = name, kind, unit
        if row.has("short_name"):
            department.short_name = row.get("short_name")
        row.data["department"] = department

    def apply_row(self, row: Row) -> str:
        department = row.data["department"]
        outcome = "updated" if department.pk else "created"
        department_save(actor=self.actor, department=department)
        return outcome


def department_export_rows(departments):
    for department in departments.select_related("unit"):
        yield {
            "code": department.code, "name": department.name, "short_name": department.short_name,
            "kind": department.get_kind_display(), "unit_code": department.unit.code,
            "unit_name": department.unit.name, "is_active": _("yes") if department.is_active else _("no"),
        }
