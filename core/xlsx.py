"""Spreadsheets in and out. An ``Importer`` reads the first sheet of an .xlsx file, checks its header
row, validates every row and applies them through the services, all in one transaction that is
rolled back unless every row is valid (and always in a dry run). ``write_xlsx`` writes exports.

Reference data (units, departments, staff) and later the hotline imports build on this, so nothing
here knows about a particular model."""

import io
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import BadInput, DomainError
from core.text import clean_input, has_hostile

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What reading a damaged or hostile workbook raises, when it is opened or while its rows stream: a
# broken zip or deflate stream, missing parts, and XML the parser refuses (SyntaxError covers expat's
# and lxml's ParseError: an external entity (XXE) is "undefined", a billion laughs exceeds expat's
# amplification limit).
UNREADABLE = (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, EOFError,
              SyntaxError, zlib.error)
MAX_ROWS = 20_000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One column of a sheet. ``label`` is the header people see (translated); a header is
    accepted in any of the site's languages, or as ``key`` itself."""

    key: str
    label: str
    required: bool = False
    max_length: int | None = None
    help: str = ""
    example: str = ""
    # Codes are kept as text in the template so Excel does not turn 140702000000 into 1.40702E+11.
    text_format: bool = False
    # Written by exports for people to read, ignored (but accepted) by the importer, so that an
    # exported list can be corrected and imported again.
    export_only: bool = False
    # Read by the importer, never written by an export (an initial password, say).
    import_only: bool = False
    width: int = 16

    def header_forms(self) -> set[str]:
        forms = {_normalize_header(self.key)}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                forms.add(_normalize_header(str(self.label)))
        return forms


def _normalize_header(text) -> str:
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*＊]", "", text).casefold()


def cell_text(value) -> str:
    """A cell's value as the text a person typed: 140702000000 rather than 140702000000.0, without the
    control characters core.text.clean_input removes at every other intake (every import reads its
    cells through here)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return clean_input(text).strip() if has_hostile(text) else text


def code_text(value: str) -> str:
    """A code as typed, with full-width digits and stray spaces (common in pasted data) removed."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or ""))


def parse_decimal(value: str, *, places: int | None = None) -> Decimal:
    """Raise ValueError when ``value`` is not a number."""
    try:
        number = Decimal(unicodedata.normalize("NFKC", value).replace(",", ""))
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    return number


class ChoiceReader:
    """Reads a choice cell given as its code ("county"), its label in any site language, the
    Chinese term in parentheses of a label ("District (区)" → "区"), or an extra alias."""

    def __init__(self, choices, aliases: dict[str, Iterable[str]] | None = None):
        self.choices = choices
        self.lookup: dict[str, str] = {}
        for value, label in choices.choices:
            forms = {value, str(value)}
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    text = str(label)
                forms.add(text)
                forms.update(re.findall(r"[（(]([^）)]+)[)）]", text))
            for form in forms:
                self.lookup.setdefault(self._key(form), value)
        for value, extra in (aliases or {}).items():
            for form in extra:
                self.lookup.setdefault(self._key(form), value)

    @staticmethod
    def _key(text) -> str:
        return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text))).casefold()

    def read(self, text: str) -> str | None:
        return self.lookup.get(self._key(text))

    def allowed(self) -> str:
        return "、".join(str(label) for label in self.choices.labels)


@dataclass
class RowError:
    row: int  # as Excel shows it: the header is row 1
    column: str  # the column's header, or "" for the row as a whole
    message: str

    def __str__(self):
        if self.column:
            return _("Row %(row)s, %(column)s: %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message}
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class Row:
    number: int
    values: dict[str, str]  # only the columns the file has; blank cells are ""
    columns: dict[str, Column]
    errors: list[RowError] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # what the importer parsed, for apply_row

    def has(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def error(self, key: str | None, message) -> None:
        label = str(self.columns[key].label) if key else ""
        self.errors.append(RowError(self.number, label, str(message)))


@dataclass
class ImportReport:
    rows: int
    errors: list[RowError]
    outcomes: Counter
    committed: bool
    # A background import keeps only the first errors (core.jobs); these count them all.
    errors_total: int | None = None
    bad_rows_total: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        if self.bad_rows_total is not None:
            return self.bad_rows_total
        return len({error.row for error in self.errors})


def sheet_rows(sheet, unreadable) -> Iterable[tuple]:
    """The rows of a read-only sheet as values; BadInput(``unreadable``) when the file turns out to be
    damaged or hostile while it streams (openpyxl reads a read-only sheet lazily)."""
    try:
        yield from sheet.iter_rows(values_only=True)
    except UNREADABLE:
        raise BadInput(unreadable) from None


def _open_sheet(file, columns: list[Column]):
    """(workbook, line iterator after the header, {position: column}). Raise BadInput, with one message
    saying exactly what is wrong, when the file is not a workbook or its header row does not match."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = _("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again.")
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, *UNREADABLE):
        raise BadInput(unreadable) from None
    try:
        sheet = workbook.worksheets[0]
        lines = sheet_rows(sheet, unreadable)
        header = next(lines, None) or ()
        header_forms = {form: column for column in columns for form in column.header_forms()}
        positions: dict[int, Column] = {}
        unknown, seen, duplicated = [], set(), []
        for index, cell in enumerate(header):
            text = cell_text(cell)
            if not text:
                continue
            column = header_forms.get(_normalize_header(text))
            if column is None:
                unknown.append(text)
            elif column.key in seen:
                duplicated.append(text)
            else:
                seen.add(column.key)
                if not column.export_only:
                    positions[index] = column
        missing = [str(column.label) for column in columns if column.required and column.key not in seen]
        if missing or unknown or duplicated:
            problems = []
            if missing:
                problems.append(_("missing columns: %(columns)s") % {"columns": "、".join(missing)})
            if unknown:
                problems.append(_("unknown columns: %(columns)s") % {"columns": "、".join(unknown)})
            if duplicated:
                problems.append(_("columns given twice: %(columns)s") % {"columns": "、".join(duplicated)})
            expected = "、".join(str(column.label) for column in columns if not column.export_only)
            raise BadInput(
                _("The first row of the first sheet must hold the template's column headers (%(expected)s); "
                  "this file has %(problems)s. Download the template and copy your data into it.")
                % {"expected": expected, "problems": "; ".join(problems)}
            )
    except BaseException:
        workbook.close()
        raise
    return workbook, lines, positions


def iter_rows(file, columns: Iterable[Column], *, noun: str = "", max_rows: int | None = None):
    """The data rows of the first sheet, one at a time (the workbook is read as a stream, so memory does
    not grow with the file), each checked for required and over-long cells."""
    columns = list(columns)
    by_key = {column.key: column for column in columns}
    workbook, lines, positions = _open_sheet(file, columns)
    count = 0
    try:
        for number, line in enumerate(lines, start=2):
            values = {column.key: cell_text(line[index]) if index < len(line) else ""
                      for index, column in positions.items()}
            if not any(values.values()):
                continue
            count += 1
            if max_rows is not None and count > max_rows:
                raise BadInput(_("A file may hold at most %(count)s rows; split it into several files.")
                               % {"count": max_rows})
            row = Row(number=number, values=values, columns=by_key)
            for key, text in values.items():
                column = by_key[key]
                if column.required and not text:
                    row.error(key, _("This column is required."))
                elif column.max_length and len(text) > column.max_length:
                    row.error(key, _("At most %(count)s characters; this has %(length)s.")
                              % {"count": column.max_length, "length": len(text)})
            yield row
    finally:
        workbook.close()
    if not count:
        raise BadInput(_("The file has no data rows. Fill in one row per %(noun)s below the header row.")
                       % {"noun": noun or _("record")})


def read_rows(file, columns: Iterable[Column], *, noun: str = "") -> list[Row]:
    """The data rows of the first sheet, keyed by column (at most MAX_ROWS: a file read at once, in a
    request). Raise BadInput when the file is not a workbook or its header row does not match."""
    return list(iter_rows(file, columns, noun=noun, max_rows=MAX_ROWS))


class Importer:
    """Subclasses give ``columns`` and implement ``prepare`` (parse and check one row's cells,
    recording errors with ``row.error``) and ``apply_row`` (call the services; return an outcome
    such as "created" or "updated"). A service's DomainError becomes an error of that row."""

    columns: tuple[Column, ...] = ()
    noun = gettext_lazy("record")  # "one row per <noun>"
    sheet_title = gettext_lazy("Data")
    outcome_labels: dict[str, str] = {
        "created": gettext_lazy("created"),
        "updated": gettext_lazy("updated"),
    }

    # Options a person may tick when importing: (name, label, help); given to __init__ as booleans.
    flags: tuple[tuple[str, str, str], ...] = ()

    def __init__(self, *, actor, **options):
        self.actor = actor
        self.options = {name: bool(options.get(name)) for name, _label, _help in self.flags}

    def begin(self, rows: list[Row]) -> None:
        """Called once with every row before any is checked (to know what comes later in the file)."""

    def prepare(self, row: Row) -> None:
        """Parse and check the row's cells, put what apply_row needs in ``row.data``. Called even
        when a required cell is empty (already reported), so it must not report that again."""
        raise NotImplementedError

    def apply_row(self, row: Row) -> str:
        raise NotImplementedError

    def instructions(self) -> list[tuple[str, str]]:
        """Extra lines for the template's instructions sheet: (heading, text)."""
        return []

    def run(self, file, *, commit: bool) -> ImportReport:
        """Check every row; save them only when ``commit`` and every row is valid."""
        rows = read_rows(file, self.columns, noun=str(self.noun))
        outcomes: Counter = Counter()
        with transaction.atomic():
            self.begin(rows)
            for row in rows:
                self.prepare(row)  # even after a blank required cell, so every problem is listed at once
                if row.errors:
                    continue
                try:
                    with transaction.atomic():
                        outcomes[self.apply_row(row)] += 1
                except DomainError as exc:
                    for message in exc.details or [exc.message]:
                        row.error(None, message)
                except IntegrityError:
                    row.error(None, _("This row conflicts with a record that already exists."))
            errors = [error for row in rows for error in row.errors]
            committed = commit and not errors
            if not committed:
                transaction.set_rollback(True)
        return ImportReport(rows=len(rows), errors=errors, outcomes=outcomes, committed=committed)

    # The background import (core.jobs): rows per transaction, and a bound on the rows of one file.
    CHUNK = 500
    MAX_BACKGROUND_ROWS = 200_000
    MAX_KEPT_ERRORS = 1000

    def scan(self, row: Row) -> None:
        """The background import's first pass over the file, row by row (what ``begin`` gets as a
        list when a file is read at once)."""

    def finish(self, *, commit: bool, outcomes: Counter) -> None:
        """After every row of a background import: work on what the whole file said (a full list ends
        what it no longer holds). Raise DomainError to report a problem with the file as a whole."""

    def run_chunked(self, file, *, commit: bool, progress=None) -> ImportReport:
        """The import for 100,000 rows, run by the worker: the file is read as a stream, twice (a scan,
        then the rows), and the rows are applied CHUNK at a time, each chunk in a transaction of its own
        (rolled back in a dry run) so that the job's progress can be seen while it runs. Only the first
        MAX_KEPT_ERRORS problems are kept, all are counted. A confirmed import that stops half way (a
        crash) can simply be run again: rows update what the first run saved."""
        columns = self.columns
        if progress:
            progress.stage(_("Reading the file"))
        total = 0
        self.begin([])
        for row in iter_rows(file, columns, noun=str(self.noun), max_rows=self.MAX_BACKGROUND_ROWS):
            self.scan(row)
            total += 1
            if progress and total % 1000 == 0:
                progress.advance(1000)
        file.seek(0)
        if progress:
            progress.stage(_("Importing the rows") if commit else _("Checking the rows"), total=total)
        outcomes: Counter = Counter()
        kept: list[RowError] = []
        errors_total, bad_rows = 0, 0
        chunk: list[Row] = []

        def flush():
            nonlocal errors_total, bad_rows
            if not chunk:
                return
            with transaction.atomic():
                self.apply_chunk(chunk, outcomes)
                if not commit:
                    transaction.set_rollback(True)
            for row in chunk:
                if row.errors:
                    bad_rows += 1
                    errors_total += len(row.errors)
                    kept.extend(row.errors[: max(0, self.MAX_KEPT_ERRORS - len(kept))])
            if progress:
                progress.advance(len(chunk))
            chunk.clear()

        for row in iter_rows(file, columns, noun=str(self.noun), max_rows=self.MAX_BACKGROUND_ROWS):
            chunk.append(row)
            if len(chunk) >= self.CHUNK:
                flush()
        flush()
        if not errors_total:
            try:
                with transaction.atomic():
                    self.finish(commit=commit, outcomes=outcomes)
                    if not commit:
                        transaction.set_rollback(True)
            except DomainError as exc:
                kept.append(RowError(0, "", str(exc.message)))
                errors_total += 1
        return ImportReport(rows=total, errors=kept, outcomes=outcomes, committed=commit and not errors_total,
                            errors_total=errors_total, bad_rows_total=bad_rows)

    def apply_chunk(self, rows: list[Row], outcomes: Counter) -> None:
        """Check and apply one chunk of the background import, in its transaction. Row by row here; an
        importer of large files overrides it to check every row, then save the good ones together."""
        for row in rows:
            self._apply_checked(row, outcomes)

    def _apply_checked(self, row: Row, outcomes: Counter) -> None:
        self.prepare(row)
        if row.errors:
            return
        try:
            with transaction.atomic():
                outcomes[self.apply_row(row)] += 1
        except DomainError as exc:
            for message in exc.details or [exc.message]:
                row.error(None, message)
        except IntegrityError:
            row.error(None, _("This row conflicts with a record that already exists."))

    def template(self) -> bytes:
        return template_xlsx(self)

    @classmethod
    def export_columns(cls) -> list[Column]:
        return [column for column in cls.columns if not column.import_only]


def _safe_cell(cell, value) -> None:
    """Write ``value`` so that text starting with "=" stays text rather than becoming a formula, and
    without the control characters xlsx cannot hold (text stored before intake removed them would
    otherwise make the whole export fail for everyone whose list holds it)."""
    if isinstance(value, str):
        value = clean_input(value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _header_row(sheet, columns: list[Column]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor="DDE7F0")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        _safe_cell(cell, str(column.label))
        cell.font = Font(bold=True)
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"


def write_xlsx(*, columns: Iterable[Column], rows: Iterable[dict], title: str) -> bytes:
    """An export: a header row and one row per dict (keyed by column key)."""
    from openpyxl import Workbook

    columns = list(columns)
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    _header_row(sheet, columns)
    for number, row in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            value = row.get(column.key)
            if isinstance(value, Decimal):
                value = float(value)
            _safe_cell(sheet.cell(row=number, column=index), "" if value is None else value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_sheets(sheets: Iterable[tuple[str, Iterable[Column], Iterable[dict]]]) -> bytes:
    """An export of several sheets: each (title, columns, rows) as ``write_xlsx`` writes one."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    for title, columns, rows in sheets:
        columns = list(columns)
        sheet = workbook.create_sheet(_sheet_title(str(title)))
        _header_row(sheet, columns)
        for number, row in enumerate(rows, start=2):
            for index, column in enumerate(columns, start=1):
                value = row.get(column.key)
                if isinstance(value, Decimal):
                    value = float(value)
                _safe_cell(sheet.cell(row=number, column=index), "" if value is None else value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx(importer: Importer) -> bytes:
    """The file an administrator fills in: the header row on the first sheet (nothing else, so an
    untouched template is simply empty) and a second sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    columns = [column for column in importer.columns if not column.export_only]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(str(importer.sheet_title))
    _header_row(sheet, columns)
    for index, column in enumerate(columns, start=1):
        if column.text_format:
            for number in range(2, 502):
                sheet.cell(row=number, column=index).number_format = "@"

    notes = workbook.create_sheet(_sheet_title(_("Instructions")))
    bold = Font(bold=True)
    notes.append([_("Fill in the first sheet, one row per %(noun)s, below its header row. "
                    "Do not change the headers. This sheet is not imported.") % {"noun": importer.noun}])
    notes.append([])
    notes.append([_("Column"), _("Required"), _("Example"), _("What to enter")])
    for cell in notes[3]:
        cell.font = bold
    for column in columns:
        notes.append([str(column.label), _("yes") if column.required else _("no"), str(column.example),
                      str(column.help)])
    for heading, text in importer.instructions():
        notes.append([])
        notes.append([str(heading)])
        notes[notes.max_row][0].font = bold
        notes.append([str(text)])
    for letter, width in zip("ABCD", (18, 8, 22, 90), strict=True):
        notes.column_dimensions[letter].width = width
    for line in notes.iter_rows(min_row=4):
        line[-1].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    return re.sub(r"[\\/*?:\[\]]", "", str(title))[:31] or "Sheet1"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A download; the file name may be Chinese (RFC 5987), with an ASCII fallback."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename.encode("ascii", "replace").decode()) or "export.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response
