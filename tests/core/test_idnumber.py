"""The resident ID number check (GB 11643-1999, ISO 7064 MOD 11-2)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.idnumber import (
    id_number_check_char,
    id_number_is_valid,
    id_number_normalize,
    id_number_problem,
    id_number_validate,
)

# The standard's own example (worked below), and two made with this module's check.
KNOWN_GOOD = ["11010519491231002X", "360902199003070018", "36098219851120004X"]


@pytest.mark.parametrize("number", KNOWN_GOOD)
def test_known_numbers_are_valid(number):
    assert id_number_is_valid(number)
    id_number_validate(number)


def test_the_check_character_by_hand():
    # 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8+0*4+2*2 = 167; 167 % 11 = 2 -> "X"
    assert id_number_check_char("11010519491231002") == "X"


@pytest.mark.parametrize("number, kind", [
    ("11010519491231002", "length"),
    ("11010519491231002XX", "length"),
    ("1101051949123100AX", "charset"),
    ("11010519491231002Y", "charset"),
    ("01010519491231002X", "region"),
    ("91010519491231002X", "region"),
    ("110105194902300020", "birth"),   # 30 February
    ("110105189912310025", "birth"),   # before 1900
    ("110105194912310021", "checksum"),
])
def test_problems_are_named(number, kind):
    problem = id_number_problem(number)
    assert problem is not None and problem[0] == kind and "居民身份证号码" in problem[1]


def test_a_birth_date_in_the_future_is_refused():
    body = "360902" + "20990101" + "001"
    number = body + id_number_check_char(body)
    assert id_number_problem(number, today=date(2026, 1, 1))[0] == "birth"


def test_the_django_validator_raises_a_chinese_message():
    with pytest.raises(ValidationError) as exc:
        id_number_validate("110105194912310021")
    assert exc.value.code == "id_number_checksum" and "第18位应为" in exc.value.messages[0]


def test_normalisation_upper_cases_the_x_and_drops_spaces():
    assert id_number_normalize(" 110105 19491231 002x ") == "11010519491231002X"


birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31))


@given(region=st.integers(110000, 829999), born=birth_dates, seq=st.integers(0, 999))
def test_every_made_number_is_valid_and_any_one_digit_change_is_caught(region, born, seq):
    body = f"{region:06d}{born:%Y%m%d}{seq:03d}"
    number = body + id_number_check_char(body)
    assert id_number_is_valid(number)
    # MOD 11-2 catches every single-character substitution.
    for position in range(17):
        for digit in "0123456789":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1:]
                problem = id_number_problem(changed)
                assert problem is not None
