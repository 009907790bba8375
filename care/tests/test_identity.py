"""care.identity: the 身份证号 checked with python-stdnum, its birth date and sex read from it, refusals in
Chinese; older people's place codes newer than their birth are accepted."""

from datetime import date

import pytest

from care.identity import read_id_number
from care.tests.conftest import id_number
from core.errors import BadInput


def test_birth_date_and_sex_are_read_from_the_number():
    woman = read_id_number(id_number("19400315", "002"))
    assert (woman.birth_date, woman.sex) == (date(1940, 3, 15), "female")
    man = read_id_number(id_number("20150601", "011").lower())
    assert (man.birth_date, man.sex) == (date(2015, 6, 1), "male")


def test_an_x_check_digit_is_accepted_in_either_case():
    from stdnum.cn import ric

    body = next(f"14070219500101{n:03d}" for n in range(1000) if ric.calc_check_digit(f"14070219500101{n:03d}0") == "X")
    assert read_id_number(body + "x").number == body + "X"


@pytest.mark.parametrize(("number", "words"), [
    (id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1"), "校验位"),
    ("1407021940031500", "18"),
    ("", "必填"),
    ("99999919400315002" + "0", None),
])
def test_invalid_numbers_are_refused_in_chinese(number, words):
    with pytest.raises(BadInput) as refused:
        read_id_number(number)
    if words:
        assert words in str(refused.value.message)


def test_a_1950_number_with_a_place_code_from_1999_is_accepted():
    """python-stdnum refuses it (榆次区's code 140702 dates from 1999); the number was issued later."""
    assert read_id_number(id_number("19500315", "001")).birth_date == date(1950, 3, 15)
