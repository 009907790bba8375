"""The graduates' list (高校毕业生名单) from .xlsx (see core.xlsx), as the education bureau or a school hands
it to 人社: one row per graduate. Each row is checked (every problem by row and column, nothing guessed),
then saved through employment.services as the importing staff member, who becomes the counselor of the
graduates they register. A graduate is found by their ID number's blind index, so importing the list
again updates instead of duplicating; the same ID number twice in one file is refused on the later row."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.services import read_id_number
from core.errors import BadInput
from core.xlsx import ChoiceReader, Column, Importer, Row, code_text
from employment import permissions, services
from employment.models import Education, RegisteredVia, SeekerKind
from employment.selectors import seeker_by_id_number
from orgs.models import Level, Unit


def graduate_columns():
    return (
        Column("name", gettext_lazy("Name (姓名)"), required=True, max_length=50, example="李思远"),
        Column("id_number", gettext_lazy("ID number"), required=True, max_length=20, text_format=True,
               example="140702200203150016", width=22,
               help=gettext_lazy("The 18-character 身份证号. A number already registered updates that graduate.")),
        Column("phone", gettext_lazy("Phone"), max_length=20, text_format=True, example="13900000000"),
        Column("school", gettext_lazy("School"), required=True, max_length=100, example="太原理工大学", width=22),
        Column("major", gettext_lazy("Major"), max_length=100, example="计算机科学与技术", width=20),
        Column("graduation_year", gettext_lazy("Graduation year"), required=True, max_length=4, example="2025"),
        Column("education", gettext_lazy("Education"), max_length=20, example="本科",
               help=gettext_lazy("大专, 本科 or 研究生 (empty: 本科).")),
        Column("village", gettext_lazy("Village or community"), required=True, max_length=100, text_format=True,
               example="140702001001",
               help=gettext_lazy("Where the graduate lives: the 12-digit division code of the village, community "
                                 "or township, or its name when that is unique.")),
        Column("skills", gettext_lazy("Skills"), max_length=500, example="Python、数据分析", width=24),
        Column("wishes", gettext_lazy("Jobs wanted"), max_length=500, example="软件测试、数据录入", width=24),
    )


class GraduateListImporter(Importer):
    noun = gettext_lazy("graduate")
    sheet_title = gettext_lazy("Graduates")
    columns = graduate_columns()
    outcome_labels = {
        "created": gettext_lazy("graduates registered"),
        "updated": gettext_lazy("rows updating a registered graduate"),
    }

    def begin(self, rows):
        self.education = ChoiceReader(Education)
        self.first_row: dict[str, int] = {}

    def instructions(self):
        return [(_("Education"), ChoiceReader(Education).allowed())]

    def _place(self, row: Row):
        text = code_text(row.get("village"))
        if not text:
            return None
        levels = [Level.VILLAGE, Level.TOWNSHIP]
        if text.isdigit():
            unit = Unit.objects.filter(code=text, level__in=levels).first()
            if unit is None:
                row.error("village", _("No village, community or township has the division code %(code)s.")
                          % {"code": text})
            return unit
        units = list(Unit.objects.filter(name=text, level__in=levels)[:2])
        if not units:
            row.error("village", _("No village, community or township is named %(name)s.") % {"name": text})
            return None
        if len(units) > 1:
            row.error("village", _("Several places are named %(name)s: give the division code.") % {"name": text})
            return None
        return units[0]

    def prepare(self, row: Row) -> None:
        identity = None
        if row.get("id_number"):
            try:
                identity = read_id_number(code_text(row.get("id_number")))
            except BadInput as exc:
                row.error("id_number", exc.message)
        unit = self._place(row)
        if unit is not None and not permissions.in_scope(permissions.serve_scope(self.actor), unit):
            row.error("village", _("%(unit)s is outside the units where you register job seekers.")
                      % {"unit": unit.name})
        year = None
        if row.get("graduation_year"):
            text = code_text(row.get("graduation_year"))
            if not text.isdigit() or len(text) != 4:
                row.error("graduation_year", _("“%(value)s” is not a year such as 2025.") % {"value": text})
            else:
                year = int(text)
        education = Education.BACHELOR
        if row.get("education"):
            education = self.education.read(row.get("education"))
            if education is None:
                row.error("education", _("“%(value)s” is not an education; use one of: %(allowed)s.") % {
                    "value": row.get("education"), "allowed": self.education.allowed()})
        if identity is not None:
            first = self.first_row.setdefault(identity.number, row.number)
            if first != row.number:
                row.error("id_number", _("This ID number is already on row %(row)s.") % {"row": first})
        if row.errors:
            return
        row.data.update(identity=identity, unit=unit, year=year, education=education)

    def apply_row(self, row: Row) -> str:
        data = row.data
        number = data["identity"].number
        seeker_data = services.SeekerData(
            name=row.get("name"), id_number=number, unit=data["unit"], kind=SeekerKind.GRADUATE,
            phone=code_text(row.get("phone")), education=data["education"], school=row.get("school"),
            major=row.get("major"), graduation_year=data["year"], skills=row.get("skills"),
            wishes=row.get("wishes"))
        existing = seeker_by_id_number(number)
        if existing is None:
            services.seeker_register(actor=self.actor, data=seeker_data, via=RegisteredVia.IMPORT,
                                     counselor=self.actor)
            return "created"
        if not row.has("phone"):
            seeker_data.phone = existing.phone
        services.seeker_update(actor=self.actor, seeker=existing, data=seeker_data)
        return "updated"
