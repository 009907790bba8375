"""core.crypto.Masked: the masked_… attributes every register's rows carry (a person in care, a volunteer, a job
seeker, a team member, a meal's diner, an account) show each kind of field masked the one way, and an empty
field as nothing."""

import pytest

from core.crypto import Masked

ID_NUMBER = "142701199001011234"


class Diner:
    masked_name = Masked("name")
    masked_id_number = Masked("id_number")
    masked_phone = Masked("phone")
    masked_for_name = Masked("for_name")
    masked_for_id_number = Masked("for_id_number")
    masked_contact_phone = Masked("contact_phone")

    def __init__(self, **fields):
        self.__dict__.update(fields)


def test_each_kind_of_field_is_masked_by_its_own_rule():
    row = Diner(name="欧阳锋", id_number=ID_NUMBER, phone="13800138000", for_name="张大爷",
                for_id_number=ID_NUMBER, contact_phone="03512345678")
    assert (row.masked_name, row.masked_id_number, row.masked_phone) == ("欧**", "1427**********1234", "138****8000")
    assert row.masked_for_name == "张**" and row.masked_for_id_number == "1427**********1234"
    assert row.masked_contact_phone == "035****5678"


def test_an_empty_field_shows_nothing():
    row = Diner(name="", id_number=None, phone="", for_name=None, for_id_number="", contact_phone=None)
    assert [row.masked_name, row.masked_id_number, row.masked_phone, row.masked_for_name,
            row.masked_for_id_number, row.masked_contact_phone] == [""] * 6


def test_a_value_changed_on_the_row_is_masked_as_it_is_now():
    row = Diner(name="欧阳锋")
    row.name = "李四"
    assert row.masked_name == "李*"


@pytest.mark.parametrize("name", ["masked_address", "shown_phone"])
def test_an_attribute_whose_name_says_no_kind_of_field_is_refused_when_the_class_is_written(name):
    # Python 3.11 wraps an error of __set_name__ in a RuntimeError; 3.12 raises it as it is.
    with pytest.raises((TypeError, RuntimeError)) as refused:
        type("Broken", (), {name: Masked("address")})
    assert "is named masked_…name, …id_number or …phone" in str(refused.value.__cause__ or refused.value)


@pytest.mark.django_db
def test_a_models_masked_attribute_reads_its_encrypted_field_in_clear_and_masks_it(cast):
    assert cast.resident.masked_phone == "138****8000"
