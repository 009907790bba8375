"""The lists civil affairs (民政) keeps, from .xlsx (see core.xlsx): one row per person and category.
Each row is checked (every problem reported by row and column, nothing guessed), then saved through
care.services as the importing administrator. A person is found by their ID number's blind index, so
importing the list again updates instead of duplicating; a person's civil-affairs category that the
new list no longer gives them is ended (until = the import date), never deleted."""

import re
import unicodedata
from collections import Counter
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care import permissions, services
from care.identity import read_id_number
from care.models import CareCategory, Source
from core.errors import BadInput
from core.xlsx import ChoiceReader, Column, Importer, Row, code_text
from orgs.models import Level, Unit

DATE_FORMS = [r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{4})/(\d{1,2})/(\d{1,2})", r"(\d{4})\.(\d{1,2})\.(\d{1,2})",
              r"(\d{4})年(\d{1,2})月(\d{1,2})日?", r"(\d{4})(\d{2})(\d{2})"]
SOURCE_ALIASES = {Source.CIVIL_AFFAIRS: ["民政", "民政名单"], Source.VISIT: ["走访"], Source.SELF_REPORT: ["本人申报", "申报"]}


def parse_date(text: str) -> date | None:
    text = unicodedata.normalize("NFKC", text or "").strip()[:19]
    for form in DATE_FORMS:
        found = re.fullmatch(form + r"(?:[ T]00:00(?::00)?)?", text)
        if found:
            try:
                return date(*(int(part) for part in found.groups()))
            except ValueError:
                return None
    return None


def parse_fields(text: str) -> dict:
    """"自理能力=半失能；居住情况=独居" (；, ;, or a new line between pairs; = or ：between name and value)."""
    pairs = {}
    for part in re.split(r"[;；\n]+", unicodedata.normalize("NFKC", text or "")):
        if not part.strip():
            continue
        found = re.fullmatch(r"\s*([^=:]+?)\s*[=:]\s*(.*?)\s*", part)
        if not found:
            raise ValueError(part.strip())
        pairs[found.group(1)] = found.group(2)
    return pairs


def care_columns():
    return (
        Column("name", gettext_lazy("Name (姓名)"), required=True, max_length=50, example="王秀英"),
        Column("id_number", gettext_lazy("ID number"), required=True, max_length=20, text_format=True,
               example="140702195003150018", width=22,
               help=gettext_lazy("The 18-character 身份证号. A number already registered updates that person.")),
        Column("phone", gettext_lazy("Phone"), max_length=20, text_format=True, example="13800000000"),
        Column("address", gettext_lazy("Address"), max_length=200, example="顺城街12号", width=24),
        Column("village", gettext_lazy("Village or community"), required=True, max_length=100, text_format=True,
               example="140702001001",
               help=gettext_lazy("The village's or community's 12-digit division code, or its name when that is "
                                 "unique.")),
        Column("grid", gettext_lazy("Grid code"), max_length=15, text_format=True, example="140702001001001",
               help=gettext_lazy("Optional: the 15-digit code of the grid the person lives in.")),
        Column("category", gettext_lazy("Care category"), required=True, max_length=50, example="独居老人",
               help=gettext_lazy("The care category, by its code or name.")),
        Column("since", gettext_lazy("Since"), max_length=20, example="2024-03-01",
               help=gettext_lazy("The date the person joined the category; empty: the import date.")),
        Column("source", gettext_lazy("Source"), max_length=20, example="民政名单",
               help=gettext_lazy("民政名单 (the default), 走访 or 本人申报.")),
        Column("fields", gettext_lazy("Category fields"), max_length=1000, example="自理能力=半失能；居住情况=独居",
               width=30, help=gettext_lazy("The category's own fields, as name=value pairs separated by ；.")),
    )


class CareListImporter(Importer):
    """One row per person and category. With the "full list" option the file is the whole list of its
    categories in its villages: a person of those categories and villages that the file no longer holds
    has that membership ended (until = the import date, with the reason), never deleted."""

    noun = gettext_lazy("person and category")
    flags = (("full_list", gettext_lazy("This is the full list"),
              gettext_lazy("End the category of anyone in the file's villages and categories who is not on this "
                           "list (their history is kept; no one is deleted).")),)
    sheet_title = gettext_lazy("People in care")
    columns = care_columns()
    outcome_labels = {
        "created": gettext_lazy("people registered"),
        "updated": gettext_lazy("rows updating a registered person"),
        "ended": gettext_lazy("memberships ended (not on the full list)"),
    }

    def begin(self, rows):
        self.today = timezone.localdate()
        self.categories = {}
        for category in CareCategory.objects.filter(is_active=True):
            self.categories[category.code.casefold()] = category
            self.categories[category.name.casefold()] = category
        self.sources = ChoiceReader(Source, SOURCE_ALIASES)
        # Per ID number: the categories the file gives it, and the row of each (person, category).
        self.file_categories: dict[str, set[int]] = {}
        self.first_row: dict[tuple[str, int], int] = {}
        self.ended: set[str] = set()
        # The ID numbers this import has registered. A dry run in chunks (run_chunked) rolls each chunk
        # back, so a person registered in one chunk is not there in the next: their later rows update
        # the person, and are counted so, whether or not the earlier chunk was kept.
        self.registered: set[str] = set()
        # For a full list: the (village, category) pairs the file covers and the people it holds.
        self.covered: set[tuple[int, int]] = set()
        self.listed: set[int] = set()
        self.villages: dict[str, object] = {}
        # 100,000 rows name a few hundred villages and grids: each looked up (and its permission) once.
        self.villages_named: dict[str, list] = {}
        self.grids: dict[str, object] = {}
        self.manageable: dict[int, bool] = {}
        for row in rows:
            self.scan(row)

    def scan(self, row: Row) -> None:
        number = code_text(row.get("id_number")).upper()
        category = self._category(row.get("category"))
        if number and category:
            self.file_categories.setdefault(number, set()).add(category.pk)

    def _category(self, text):
        return self.categories.get(unicodedata.normalize("NFKC", text or "").strip().casefold())

    def instructions(self):
        names = "、".join(f"{c.name} ({c.code})" for c in CareCategory.objects.filter(is_active=True))
        return [(_("Categories"), names), (_("Sources"), self.sources.allowed() if hasattr(self, "sources")
                                          else ChoiceReader(Source).allowed())]

    def _village(self, row: Row):
        text = code_text(row.get("village"))
        if not text:
            return None
        if text.isdigit():
            if text not in self.villages:  # 100,000 rows name a few hundred villages: look each up once
                self.villages[text] = Unit.objects.filter(code=text, level=Level.VILLAGE).first()
            unit = self.villages[text]
            if unit is None:
                row.error("village", _("No village or community has the division code %(code)s.") % {"code": text})
            return unit
        name = row.get("village").strip()
        if name not in self.villages_named:
            self.villages_named[name] = list(Unit.objects.filter(name=name, level=Level.VILLAGE)[:2])
        units = self.villages_named[name]
        if not units:
            row.error("village", _("No village or community is named %(name)s.") % {"name": row.get("village")})
            return None
        if len(units) > 1:
            row.error("village", _("Several villages or communities are named %(name)s: give the division code.")
                      % {"name": row.get("village")})
            return None
        return units[0]

    def prepare(self, row: Row) -> None:
        identity = None
        if row.get("id_number"):
            try:
                identity = read_id_number(code_text(row.get("id_number")))
            except BadInput as exc:
                row.error("id_number", exc.message)
        unit = self._village(row)
        if unit is not None and unit.pk not in self.manageable:
            self.manageable[unit.pk] = permissions.may_manage_unit(self.actor, unit)
        if unit is not None and not self.manageable[unit.pk]:
            row.error("village", _("%(unit)s is outside the units whose registry you keep.") % {"unit": unit.name})
        grid = None
        grid_code = code_text(row.get("grid"))
        if grid_code:
            if grid_code not in self.grids:
                self.grids[grid_code] = Unit.objects.filter(code=grid_code, level=Level.GRID).first()
            grid = self.grids[grid_code]
            if grid is None:
                row.error("grid", _("No grid has the code %(code)s.") % {"code": grid_code})
            elif unit is not None and grid.parent_id != unit.pk:
                row.error("grid", _("The grid %(grid)s is not a grid of %(unit)s.") % {"grid": grid.name,
                                                                                     "unit": unit.name})
        phone = ""
        if row.get("phone"):
            try:
                phone = services._clean_phone(code_text(row.get("phone")))
            except BadInput as exc:
                row.error("phone", exc.message)
        category = self._category(row.get("category"))
        if category is None and row.get("category"):
            row.error("category", _("“%(value)s” is not a care category; use one of: %(allowed)s.") % {
                "value": row.get("category"), "allowed": "、".join(c.name for c in CareCategory.objects.filter(
                    is_active=True))})
        since = self.today
        if row.get("since"):
            since = parse_date(row.get("since"))
            if since is None:
                row.error("since", _("“%(value)s” is not a date like 2024-03-01.") % {"value": row.get("since")})
            elif since > self.today:
                row.error("since", _("The date is in the future."))
        source = Source.CIVIL_AFFAIRS
        if row.get("source"):
            source = self.sources.read(row.get("source"))
            if source is None:
                row.error("source", _("“%(value)s” is not a source; use one of: %(allowed)s.") % {
                    "value": row.get("source"), "allowed": self.sources.allowed()})
        values = {}
        if row.get("fields") and category is not None:
            try:
                values = services.membership_values_check(category, parse_fields(row.get("fields")))
            except ValueError as exc:
                row.error("fields", _("“%(part)s” is not name=value.") % {"part": exc.args[0]})
            except BadInput as exc:
                for message in exc.details or [exc.message]:
                    row.error("fields", message)
        if identity is not None and category is not None:
            key = (identity.number, category.pk)
            first = self.first_row.setdefault(key, row.number)
            if first != row.number:
                row.error("category", _("This person and category are already on row %(row)s.") % {"row": first})
        if row.errors:
            return
        row.data.update(identity=identity, unit=unit, grid=grid, phone=phone, category=category, since=since,
                        source=source, values=values)

    def apply_row(self, row: Row) -> str:
        """A file read at once (``run``): the row alone, through the same service as a chunk."""
        outcomes: Counter = Counter()
        self._save([row], outcomes)
        if row.errors:  # given back as the service's refusal, which ``run`` records on the row
            messages = [error.message for error in row.errors]
            row.errors.clear()
            raise BadInput(messages[0], details=messages)
        return next(iter(outcomes))

    def apply_chunk(self, rows: list[Row], outcomes: Counter) -> None:
        """The background import: every row of the chunk checked, then the good ones saved together by
        care.services.people_import (a few queries a chunk, not some thirty a row)."""
        good = []
        for row in rows:
            self.prepare(row)
            if not row.errors:
                good.append(row)
        self._save(good, outcomes)

    def _save(self, rows: list[Row], outcomes: Counter) -> None:
        if not rows:
            return
        items = []
        for row in rows:
            data = row.data
            number = data["identity"].number
            items.append(services.ImportRow(
                identity=data["identity"], name=row.get("name"), unit=data["unit"], grid=data["grid"],
                phone=data["phone"] if row.has("phone") else None,
                address=row.get("address") if row.has("address") else None,
                category=data["category"], since=data["since"], source=data["source"], values=data["values"],
                wanted=None if number in self.ended else frozenset(self.file_categories.get(number, ()))))
        reason = _("Not on the civil affairs list imported on %(date)s.") % {"date": self.today.isoformat()}
        results = services.people_import(actor=self.actor, rows=items, end_reason=reason)
        for row, result in zip(rows, results, strict=True):
            if result.errors:
                for message in result.errors:
                    row.error(None, message)
                continue
            number = row.data["identity"].number
            # A person registered by an earlier chunk of a dry run (rolled back) is registered again here:
            # their row updates them, as it will in the confirmed run.
            outcome = "updated" if result.outcome == "created" and number in self.registered else result.outcome
            outcomes[outcome] += 1
            self.covered.add((row.data["unit"].pk, row.data["category"].pk))
            self.listed.add(result.person.pk)
            self.ended.add(number)
            self.registered.add(number)

    def finish(self, *, commit: bool, outcomes) -> None:
        """A full list: end the memberships of its categories, in its villages, of people not on it."""
        if not self.options.get("full_list") or not self.covered:
            return
        from care.models import CareMembership

        villages = {unit for unit, _category in self.covered}
        categories = {category for _unit, category in self.covered}
        ended = 0
        reason = _("Not on the full list imported on %(date)s.") % {"date": self.today.isoformat()}
        candidates = CareMembership.objects.filter(until__isnull=True, person__unit_id__in=villages,
                                                   category_id__in=categories).select_related(
            "category", "person__unit", "person__grid")
        batch: list = []
        for membership in candidates.iterator(chunk_size=2000):
            if membership.person_id in self.listed or (membership.person.unit_id,
                                                       membership.category_id) not in self.covered:
                continue
            batch.append(membership)
            if len(batch) >= self.CHUNK:
                ended += services.memberships_end_many(actor=self.actor, memberships=batch, until=self.today,
                                                       reason=reason)
                batch = []
        if batch:
            ended += services.memberships_end_many(actor=self.actor, memberships=batch, until=self.today,
                                                   reason=reason)
        if ended:
            outcomes["ended"] += ended


def care_export_rows(people):
    """The registry as the importer reads it, one row per open category; ID numbers and phones masked
    (an export is no way round the audited reveal)."""
    for person in people.select_related("unit", "grid").prefetch_related("memberships__category"):
        for membership in person.memberships.all():
            if membership.until is not None:
                continue
            labels = {spec["name"]: spec["label"] for spec in membership.category.fields}
            yield {
                "name": person.masked_name, "id_number": person.masked_id_number, "phone": person.masked_phone,
                "address": person.address, "village": person.unit.code, "grid": person.grid.code if person.grid else "",
                "category": membership.category.name, "since": membership.since,
                "source": membership.get_source_display(),
                "fields": "；".join(f"{labels.get(k, k)}={v}" for k, v in membership.values.items()),
            }
