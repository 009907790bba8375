"""Batch import of 12345 hotline exports (.xlsx, or .csv in UTF-8 with or without BOM or GB18030).

Every row goes through ``appeal_create`` with channel “import” and the importing dispatcher as actor,
so a row is checked exactly as any intake is (and only places in the dispatcher's scope are allowed).

The rules, decided here:
- Columns are found by their header through a mapping: common 12345 export headers are known
  (``DEFAULT_HEADERS``); the user may add or override ``header=field`` pairs. The header row may sit
  below a title row: the first of the first ten rows naming two known columns is taken.
- A dry run checks every row by really creating it inside a transaction that is rolled back, so it
  refuses exactly what the real import would. The report lists each bad row with its number as in
  the file (the header row of a sheet without title rows is row 1), the column, and the reason.
- Each row is its own savepoint: it creates a complete appeal with its event, or nothing.
- By default the whole file is refused when any row is bad (nothing is imported, fix the file and
  upload it again). Only when the user explicitly asks (``good_rows_only``) are the good rows imported
  and the bad ones left out, and listed.
- The hotline's ticket number (工单编号) is required: a row whose number was imported before is skipped,
  so importing the same file again creates nothing new. A number twice in one file is an error.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals import permissions
from appeals.models import Appeal, AppealType, Channel
from appeals.services import Intake, appeal_create, intake_validate
from core.errors import BadInput, DomainError, NotAllowed
from core.xlsx import MAX_ROWS, UNREADABLE, ChoiceReader, RowError, cell_text, code_text, sheet_rows
from orgs.models import Unit

MAX_EXTERNAL_ID = 64
HEADER_SEARCH_ROWS = 10
DERIVED_TITLE_LENGTH = 30

# field → what it is, for messages and the help on the upload page
FIELD_LABELS = {
    "external_id": gettext_lazy("Ticket number (工单编号)"),
    "received_at": gettext_lazy("Time received (来电时间)"),
    "contact_name": gettext_lazy("Caller (来电人)"),
    "contact_phone": gettext_lazy("Phone (联系电话)"),
    "type": gettext_lazy("Type (诉求类型)"),
    "title": gettext_lazy("Title (标题)"),
    "description": gettext_lazy("Content (诉求内容)"),
    "address": gettext_lazy("Address (事发地址)"),
    "place": gettext_lazy("Unit: division code or name (属地)"),
}
REQUIRED_FIELDS = ("external_id", "description")
# Headers seen in 12345 exports, in order of preference when a file has several of them.
DEFAULT_HEADERS = {
    "external_id": ["工单编号", "工单号", "受理编号", "工单编码", "编号"],
    "received_at": ["来电时间", "受理时间", "登记时间", "创建时间", "来电日期"],
    "contact_name": ["来电人", "来电人姓名", "诉求人", "联系人", "姓名"],
    "contact_phone": ["联系电话", "来电号码", "联系方式", "手机号码", "电话"],
    "type": ["诉求类型", "工单类型", "类型"],
    "title": ["诉求标题", "标题", "工单标题"],
    "description": ["诉求内容", "内容", "问题描述", "来电内容", "工单内容"],
    "address": ["事发地址", "地址", "诉求地址", "事发地点"],
    "place": ["属地", "所属区域", "区划代码", "所属街道"],
}
TYPE_ALIASES = {
    AppealType.COMPLAINT: ["投诉", "举报"],
    AppealType.HELP: ["求助", "求援"],
    AppealType.INQUIRY: ["咨询"],
    AppealType.SUGGESTION: ["建议", "意见建议"],
    AppealType.PRAISE: ["表扬", "感谢"],
}
# Which column an intake error belongs to (the service names Intake fields).
INTAKE_FIELD_COLUMNS = {"appeal_type": "type", "title": "title", "description": "description",
                        "contact_phone": "contact_phone", "address": "address"}
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y%m%d%H%M%S",
                    "%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")


def default_places_for(user):
    """Units a user may choose for rows that name none: those they dispatch for."""
    from orgs.models import Level, Role
    from orgs.selectors import memberships_of

    if user.is_superuser:
        return Unit.objects.filter(level__in=[Level.CITY, Level.COUNTY], is_active=True)
    ids = {m.unit_id or m.department.unit_id for m in memberships_of(user, [Role.DISPATCHER])}
    return Unit.objects.filter(pk__in=ids, is_active=True)


def _header_key(text) -> str:
    return re.sub(r"[\s*＊:：]", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """``["来电号码=contact_phone", ...]`` (one pair a line in the upload form) → {header: field}."""
    mapping, problems = {}, []
    for pair in pairs:
        pair = pair.strip()
        if not pair:
            continue
        header, sep, name = pair.rpartition("=")
        name = name.strip()
        if not sep or not header.strip():
            problems.append(_("“%(pair)s” is not of the form column=field.") % {"pair": pair})
        elif name not in FIELD_LABELS:
            problems.append(_("“%(field)s” is not a field; use one of %(fields)s.")
                            % {"field": name, "fields": ", ".join(FIELD_LABELS)})
        else:
            mapping[header.strip()] = name
    if problems:
        raise BadInput(" ".join(problems), details=problems)
    return mapping


# --- reading files ----------------------------------------------------------------------------------
# Read as a stream from a file object, so that memory does not grow with the file. What a file may hold
# is bounded while it streams: the upload itself (core.xlsx.MAX_UPLOAD_BYTES; the reverse proxy refuses
# more before Django reads it, deploy/nginx.conf), a CSV cell (the csv module's limit), and a
# workbook's inflated parts and cells, checked before openpyxl builds anything from them: a 300 KB
# .xlsx can declare a single 300 MB cell.

MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024  # inflated; openpyxl keeps this part in memory
MAX_WORKBOOK_BYTES = 256 * 1024 * 1024  # inflated, every part together
_READ_CHUNK = 64 * 1024


def _encoding(file) -> str:
    """utf-8 (with or without BOM) or GB18030, decided by decoding the whole file in chunks."""
    for encoding in ("utf-8-sig", "gb18030"):
        file.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := file.read(_READ_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        file.seek(0)
        return encoding
    raise BadInput(_("The CSV file is neither UTF-8 nor GB18030 text. Save it from Excel as “CSV UTF-8”."))


def _csv_lines(file) -> Iterable[tuple[int, list]]:
    text = io.TextIOWrapper(file, encoding=_encoding(file), newline="")
    try:
        sample = text.read(4096)
        text.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(text, dialect)
        line = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                # A cell longer than the csv module's limit (128 KB), or quoting that never closes.
                raise BadInput(_("Row %(row)s of the CSV file cannot be read: a cell is longer than %(size)s KB, or "
                                 "a quotation mark is never closed.") % {"row": line + 1, "size": csv.field_size_limit()
                                                                          // 1024}) from None
            start, line = line + 1, reader.line_num  # a quoted cell may span lines: report where the row starts
            yield start, cells
    finally:
        text.detach()  # the caller's file stays open (it is read twice in the background)


class _TooLong(Exception):
    pass


def _check_xml(stream, unreadable: str) -> None:
    """Stream one part of a workbook through expat, refusing a DTD (what XXE and billion-laughs files
    need; no real workbook has one) and any cell or shared string longer than MAX_CELL_CHARS, without
    holding more than a chunk of it."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    length = 0

    def start(name, _attributes):
        nonlocal length
        if name.rpartition(":")[2] in ("c", "si", "is"):  # a cell, a shared string, an inline string
            length = 0

    def text(data):
        nonlocal length
        length += len(data)
        if length > MAX_CELL_CHARS:
            raise _TooLong

    def doctype(*_args):
        raise BadInput(unreadable)

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        while chunk := stream.read(_READ_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _TooLong:
        raise BadInput(_("A cell of the workbook holds more than %(count)s characters, more than Excel itself "
                         "allows; the file cannot be imported.") % {"count": f"{MAX_CELL_CHARS:,}"}) from None
    except expat.ExpatError:
        raise BadInput(unreadable) from None


def check_workbook(file, unreadable: str) -> None:
    """Bounds on an .xlsx before openpyxl reads it: the inflated size of its parts (as the archive
    declares them; zipfile stops at the declared size, and a part that is longer fails its checksum), and
    the length of every cell (``_check_xml``)."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_WORKBOOK_BYTES or any(
                    member.filename == "xl/sharedStrings.xml" and member.file_size > MAX_SHARED_STRINGS_BYTES
                    for member in members):
                raise BadInput(_("The workbook holds more than an import may read (%(mb)s MB once unpacked); split "
                                 "it into several files.") % {"mb": MAX_WORKBOOK_BYTES // (1024 * 1024)})
            for member in members:
                if member.filename == "xl/sharedStrings.xml" or member.filename.startswith("xl/worksheets/"):
                    with archive.open(member) as stream:
                        _check_xml(stream, unreadable)
    except UNREADABLE:
        raise BadInput(unreadable) from None
    file.seek(0)


def _xlsx_lines(file) -> Iterable[tuple[int, list]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = _("The file looks like an Excel workbook but cannot be read. Open it in Excel, save it as .xlsx "
                   "and upload it again.")
    check_workbook(file, unreadable)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, *UNREADABLE):
        raise BadInput(unreadable) from None
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet_rows(sheet, unreadable), start=1):
            yield number, list(cells)
    finally:
        workbook.close()


def read_lines(content) -> Iterable[tuple[int, list]]:
    """(row number as in the file, cells) of the first sheet or of the CSV; ``content`` is the file's
    bytes or a binary file object open for reading (which is read, not closed)."""
    file = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    head = file.read(8)
    file.seek(0)
    if head[:4] == b"PK\x03\x04":
        return _xlsx_lines(file)
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise BadInput(_("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx or CSV."))
    return _csv_lines(file)


# --- the import ---------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    rows: int = 0  # data rows read
    created: list[str] = field(default_factory=list)  # tracking codes (rolled back in a dry run)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, ticket number) imported before
    errors: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → the file's header
    committed: bool = False
    dry_run: bool = True
    stopped_at: int | None = None  # the row whose chunk stopped a background import (run_chunked)

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int
    cells: dict[str, object]
    errors: list[RowError] = field(default_factory=list)


class HotlineImporter:
    def __init__(self, *, actor, mapping: dict[str, str] | None = None, default_place: Unit | None = None,
                 progress: Callable[[int, int], None] | None = None):
        self.actor = actor
        self.mapping = mapping or {}
        self.default_place = default_place
        self.progress = progress
        self.types = ChoiceReader(AppealType, TYPE_ALIASES)

    # columns

    def _columns(self, header: list) -> dict[str, int]:
        """field → index in the row, from the user's mapping first, then the default headers."""
        positions = {_header_key(cell_text(cell)): index for index, cell in reversed(list(enumerate(header)))
                     if cell_text(cell)}
        columns: dict[str, int] = {}
        for name, target in self.mapping.items():
            index = positions.get(_header_key(name))
            if index is None:
                raise BadInput(_("The mapping names the column “%(column)s”, which the file does not have. "
                                 "Its columns are: %(found)s.") % {"column": name, "found": self._found(header)})
            if target in columns:
                raise BadInput(_("The mapping gives two columns for %(field)s.") % {"field": FIELD_LABELS[target]})
            columns[target] = index
        for target, aliases in DEFAULT_HEADERS.items():
            if target in columns:
                continue
            for alias in aliases:
                index = positions.get(_header_key(alias))
                if index is not None and index not in columns.values():
                    columns[target] = index
                    break
        missing = [target for target in REQUIRED_FIELDS if target not in columns]
        if missing:
            raise BadInput(_("The file has no column for %(fields)s. Its columns are: %(found)s. Map one, e.g. "
                             "“Ticket No=external_id”.")
                           % {"fields": "、".join(str(FIELD_LABELS[m]) for m in missing), "found": self._found(header)})
        return columns

    @staticmethod
    def _found(header: list) -> str:
        return "、".join(cell_text(cell) for cell in header if cell_text(cell)) or _("(none)")

    def _is_header(self, cells: list) -> bool:
        known = {_header_key(alias) for aliases in DEFAULT_HEADERS.values() for alias in aliases}
        known |= {_header_key(name) for name in self.mapping}
        return sum(1 for cell in cells if _header_key(cell_text(cell)) in known) >= 2

    def _open(self, content) -> tuple[dict[str, str], Iterable[_Row]]:
        """The columns the file's header row gives ({field: header}) and its data rows, read one at a time
        (at most MAX_ROWS). ``content``: bytes or a binary file object."""
        lines = iter(read_lines(content))
        header = None
        for number, cells in lines:
            if self._is_header(cells):
                header = cells
                break
            if number >= HEADER_SEARCH_ROWS:
                break
        if header is None:
            raise BadInput(_("None of the first %(n)s rows holds the column headers (such as 工单编号 and 诉求内容). "
                             "Give a mapping from your column names to the fields.") % {"n": HEADER_SEARCH_ROWS})
        columns = self._columns(header)
        names = {target: cell_text(header[index]) for target, index in columns.items()}
        return names, self._data_rows(lines, columns)

    @staticmethod
    def _data_rows(lines, columns: dict[str, int]) -> Iterable[_Row]:
        count = 0
        for number, cells in lines:
            values = {target: cells[index] if index < len(cells) else None for target, index in columns.items()}
            if not any(cell_text(value) for value in values.values()):
                continue
            count += 1
            if count > MAX_ROWS:
                raise BadInput(_("A file may hold at most %(count)s rows; split it into several files.")
                               % {"count": MAX_ROWS})
            yield _Row(number, values)
        if not count:
            raise BadInput(_("The file has no data rows below its header row."))

    def _read(self, content) -> tuple[dict[str, str], list[_Row]]:
        names, rows = self._open(content)
        return names, list(rows)

    # one row

    def _error(self, row: _Row, target: str | None, message) -> None:
        column = self.names.get(target, "") if target else ""
        row.errors.append(RowError(row.number, column, str(message)))

    def _text(self, row: _Row, target: str) -> str:
        return cell_text(row.cells.get(target)) if target in row.cells else ""

    def _received_at(self, row: _Row) -> datetime | None:
        value = row.cells.get("received_at")
        if value is None or cell_text(value) == "":
            return None
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        else:
            text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value)).strip())
            moment = None
            for fmt in DATETIME_FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if moment is None:
                self._error(row, "received_at", _("“%(value)s” is not a date and time such as 2026-11-23 09:30.")
                            % {"value": text})
                return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        if moment > timezone.now():
            self._error(row, "received_at", _("The time lies in the future."))
            return None
        return moment

    def _place(self, row: _Row) -> Unit | None:
        text = self._text(row, "place")
        if not text:
            return self.default_place
        key = code_text(text)
        if key not in self._places:
            units = list(Unit.objects.filter(is_active=True, code=key)) or list(
                Unit.objects.filter(is_active=True, name=text)) or list(
                Unit.objects.filter(is_active=True, short_name=text))
            self._places[key] = units
        units = self._places[key]
        if not units:
            self._error(row, "place", _("No unit has the division code or name “%(value)s”.") % {"value": text})
        elif len(units) > 1:
            self._error(row, "place", _("Several units are called “%(value)s”; give the division code.")
                        % {"value": text})
        else:
            return units[0]
        return None

    def _intake(self, row: _Row) -> Intake | None:
        external_id = code_text(self._text(row, "external_id"))
        if not external_id:
            self._error(row, "external_id", _("The ticket number is required, so that importing the file again "
                                              "does not create the appeal twice."))
        elif len(external_id) > MAX_EXTERNAL_ID:
            self._error(row, "external_id", _("At most %(count)s characters; this has %(length)s.")
                        % {"count": MAX_EXTERNAL_ID, "length": len(external_id)})
        elif external_id in self._seen:
            self._error(row, "external_id", _("Ticket number %(id)s is also in row %(row)s.")
                        % {"id": external_id, "row": self._seen[external_id]})
        else:
            self._seen[external_id] = row.number
        type_text = self._text(row, "type")
        appeal_type = self.types.read(type_text) if type_text else AppealType.HELP
        if appeal_type is None:
            self._error(row, "type", _("Unknown type “%(value)s”; use one of %(choices)s.")
                        % {"value": type_text, "choices": self.types.allowed()})
        received_at = self._received_at(row)
        place = self._place(row)
        if place is not None and not permissions.may_record_for_resident(self.actor, place):
            # The service refuses it too; said here so the report points at the column.
            self._error(row, "place", _("%(place)s is outside your scope: you may import demands only for places "
                                        "you dispatch for.") % {"place": place.name})
        description = self._text(row, "description")
        title = self._text(row, "title")
        if not title and description:
            # Many exports carry no title: the start of the content serves.
            flat = re.sub(r"\s+", " ", description)
            title = flat if len(flat) <= DERIVED_TITLE_LENGTH else flat[:DERIVED_TITLE_LENGTH - 1] + "…"
        data = Intake(title=title, description=description, appeal_type=appeal_type or AppealType.HELP,
                      channel=Channel.IMPORT, place=place, address=self._text(row, "address"),
                      contact_name=self._text(row, "contact_name"), contact_phone=self._text(row, "contact_phone"),
                      external_id=external_id, received_at=received_at)
        if row.errors:
            # Report the intake's own objections too, so one pass over the file shows every problem.
            flagged = {error.column for error in row.errors}
            try:
                intake_validate(data)
            except BadInput as exc:
                self._field_errors(row, exc, skip=flagged)
            return None
        return data

    def _field_errors(self, row: _Row, exc: DomainError, *, skip=()) -> None:
        by_field = getattr(exc, "field_errors", None)
        if not by_field:
            self._error(row, None, exc.message)
            return
        for intake_field, message in by_field.items():
            target = INTAKE_FIELD_COLUMNS.get(intake_field)
            target = target if target in self.names else None
            if self.names.get(target, "") not in skip or target is None:
                self._error(row, target, message)

    def _create(self, row: _Row, data: Intake) -> Appeal | None:
        try:
            with transaction.atomic():
                return appeal_create(actor=self.actor, data=data)
        except DomainError as exc:
            self._field_errors(row, exc)
        return None

    # the file

    def _begin(self) -> None:
        self._places: dict[str, list[Unit]] = {}
        self._seen: dict[str, int] = {}

    def _apply(self, rows: list[_Row], result: ImportResult) -> None:
        """Check (and create, in the caller's transaction) each row; tickets imported before are skipped."""
        ids = [code_text(cell_text(row.cells.get("external_id"))) for row in rows]
        imported = set(Appeal.objects.filter(channel=Channel.IMPORT, external_id__in=[i for i in ids if i])
                       .values_list("external_id", flat=True))
        imported -= self._seen.keys()  # created from an earlier row of this file: a ticket twice, said as such
        for row, external_id in zip(rows, ids, strict=True):
            if external_id and external_id in imported:
                result.skipped.append((row.number, external_id))
            else:
                data = self._intake(row)
                if data is not None and (appeal := self._create(row, data)) is not None:
                    result.created.append(appeal.code)
                result.errors.extend(row.errors)

    def run(self, content, *, commit: bool, good_rows_only: bool = False) -> ImportResult:
        """Check every row; keep the appeals only when ``commit`` and either no row is bad or
        ``good_rows_only``. Raises BadInput when the file itself cannot be read. Every row in one
        transaction: for a file read in a request or a command (the page sends larger ones to the worker,
        ``run_chunked``)."""
        self.names, rows = self._read(content)
        self._begin()
        result = ImportResult(rows=len(rows), columns=dict(self.names), dry_run=not commit)
        with transaction.atomic():
            for done in range(0, len(rows), CHUNK):
                self._apply(rows[done:done + CHUNK], result)
                if self.progress:
                    self.progress(min(done + CHUNK, len(rows)), len(rows))
            result.committed = commit and (not result.errors or good_rows_only)
            if not result.committed:
                transaction.set_rollback(True)
        return result

    def run_chunked(self, file, *, commit: bool, good_rows_only: bool = False, progress=None) -> ImportResult:
        """The import run by the worker (core.jobs), for files of any size up to MAX_ROWS: the file is read
        as a stream, twice (once to count and check its rows, then to import them), and the rows are
        applied CHUNK at a time, each chunk in a transaction of its own (rolled back in a dry run), so the
        job's progress shows while it runs and no transaction holds thousands of rows.

        The same rows are created, skipped and refused as by ``run``. One difference: a row that turns
        bad between the check and the confirmed import (a unit closed, a ticket imported meanwhile) stops
        a whole-file import at its chunk, after the chunks before it were saved (``stopped_at``); importing
        the file again after correcting it skips what was saved."""
        if progress:
            progress.stage(_("Reading the file"))
        names, rows = self._open(file)
        total = sum(1 for _row in rows)  # unreadable, too long or empty: refused before any row is applied
        file.seek(0)
        self.names, rows = self._open(file)
        self._begin()
        result = ImportResult(rows=total, columns=dict(names), dry_run=not commit)
        if progress:
            progress.stage(_("Importing the rows") if commit else _("Checking the rows"), total=total)
        chunk: list[_Row] = []

        def flush() -> bool:
            created, bad = len(result.created), len(result.errors)
            with transaction.atomic():
                self._apply(chunk, result)
                stop = commit and not good_rows_only and len(result.errors) > bad
                if not commit or stop:
                    transaction.set_rollback(True)
            if stop:
                del result.created[created:]  # rolled back with the chunk
                result.stopped_at = result.errors[bad].row
            if progress:
                progress.advance(len(chunk))
            chunk.clear()
            return not stop

        going = True
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK and not (going := flush()):
                break
        if going and chunk:
            flush()
        result.committed = commit and result.stopped_at is None and (not result.errors or good_rows_only)
        return result


# --- in the background (core.jobs) ----------------------------------------------------------------------

CHUNK = 200  # rows a transaction of the background import holds
HOTLINE_IMPORT = "appeals.hotline_import"
MAX_LISTED = 1000  # errors, skipped rows and created codes a job's result keeps (all are counted)


def hotline_import_start(*, actor, file_path: str, file_name: str, mapping: dict[str, str], place: Unit | None,
                         good_rows_only: bool, return_url: str = ""):
    """Queue the dry run of an uploaded file (already stored as ``file_path`` by core.jobs.job_file_save);
    its result offers the import itself when the file may be imported."""
    from core.jobs import job_start

    if not permissions.may_import_hotline(actor):
        raise NotAllowed(_("Only dispatchers import hotline exports."))
    return job_start(actor=actor, kind=HOTLINE_IMPORT, title=_("Check %(name)s") % {"name": file_name},
                     params={"mapping": mapping, "place": place.pk if place else None,
                             "good_rows_only": bool(good_rows_only), "commit": False},
                     file_path=file_path, file_name=file_name, return_url=return_url)


def result_data(result: ImportResult) -> dict:
    """An ImportResult as a job keeps it (JSON), for appeals/templates/appeals/import/job.html."""
    return {
        "kind": HOTLINE_IMPORT,
        "rows": result.rows,
        "dry_run": result.dry_run,
        "committed": result.committed,
        "stopped_at": result.stopped_at,
        "columns": result.columns,
        "created_count": len(result.created),
        "created": result.created[:MAX_LISTED] if not result.dry_run else [],
        "skipped_count": len(result.skipped),
        "skipped": [list(item) for item in result.skipped[:MAX_LISTED]],
        "error_count": len(result.errors),
        "bad_rows": result.bad_rows,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors[:MAX_LISTED]],
    }


def run_hotline_job(job, progress) -> dict:
    """core.jobs runner: the dry run, or (confirmed) the import, of the job's file, as the person who
    started it; their role is checked again, as each row's scope is by the intake."""
    if not permissions.may_import_hotline(job.actor):
        raise NotAllowed(_("Only dispatchers import hotline exports."))
    params = job.params
    place = Unit.objects.filter(pk=params.get("place")).first() if params.get("place") else None
    importer = HotlineImporter(actor=job.actor, mapping=params.get("mapping") or {}, default_place=place)
    commit, good_rows_only = bool(params.get("commit")), bool(params.get("good_rows_only"))
    from core.jobs import job_file_open

    with job_file_open(job) as file:
        result = importer.run_chunked(file, commit=commit, good_rows_only=good_rows_only, progress=progress)
    data = result_data(result)
    if not commit and result.created and (result.ok or good_rows_only):
        data["next"] = {"kind": HOTLINE_IMPORT, "title": _("Import %(name)s") % {"name": job.file_name},
                        "params": {**params, "commit": True}}
    return data
