"""The 身份证号 (GB 11643): its checksum, and the birth date and sex written in it, read with
python-stdnum. stdnum also refuses a place code that did not exist in the birth year; that is
wrong for older people, whose number was issued (and its place code taken) decades after their
birth (a 1950-born resident of 榆次区 holds 140702…, a code from 1999), so only the place code's
being known at all is checked here."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from core.errors import BadInput


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # care.models.Sex value


def read_id_number(text: str, *, today: date | None = None) -> IdNumber:
    """The number, compacted and upper-case, with what it says; BadInput with the reason otherwise."""
    number = ric.compact((text or "").strip()).upper()
    if not number:
        raise BadInput(_("The ID number is required."))
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise BadInput(_("The ID number must be 18 characters: 17 digits and a digit or X."))
    if number[17] != ric.calc_check_digit(number):
        raise BadInput(_("The ID number's check digit is wrong: check it was typed correctly."))
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        raise BadInput(_("The ID number holds no valid birth date.")) from None
    if birth > (today or date.today()):
        raise BadInput(_("The ID number holds a birth date in the future."))
    if not _place_known(number):
        raise BadInput(_("The ID number begins with an unknown place code."))
    sex = "male" if int(number[16]) % 2 else "female"
    return IdNumber(number=number, birth_date=birth, sex=sex)


def _place_known(number: str) -> bool:
    keys = {key for _part, props in numdb.get("cn/loc").info(number[:6]) for key in props}
    return "county" in keys
