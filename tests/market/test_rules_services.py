"""Rules as data: the bureau's rule values and working-day calendar (market.services_rules)."""

from datetime import date
from decimal import Decimal

import pytest

from audit.selectors import chain_records, chain_verify
from core.calendar import workday_add, workday_is
from core.exceptions import NotAllowed, ValidationFailed
from core.models import CalendarDay, Rule
from core.rules import RULES, rule_int, rule_value
from market.services_rules import (
    CALENDAR_CHAIN,
    RULES_CHAIN,
    calendar_day_clear,
    calendar_day_set,
    rule_set,
)
from tests.factories import bureau_user, firm_user, owner_user

pytestmark = pytest.mark.django_db

COUNTY = "360921"


@pytest.fixture
def city(db):
    return bureau_user()


@pytest.fixture
def county(db):
    return bureau_user(region_code=COUNTY)


# ---------------------------------------------------------------------------------------
# rule_set


def test_city_staff_set_a_rule_and_the_change_is_audited(city):
    rule = rule_set(user=city, key="signup_window_workdays", value=Decimal(5), reason="市局会议纪要")
    assert rule_int("signup_window_workdays") == 5
    assert (rule.updated_by_id, rule.value) == (city.pk, Decimal(5))
    record = chain_records(chain=RULES_CHAIN).last()
    assert (record.kind, record.actor_id) == ("rule_set", city.pk)
    assert record.data["key"] == "signup_window_workdays"
    assert Decimal(record.data["old"]) == Decimal(3) and Decimal(record.data["new"]) == Decimal(5)
    rule_set(user=city, key="signup_window_workdays", value=Decimal(4), reason="市局会议纪要")
    records = list(chain_records(chain=RULES_CHAIN))
    assert len(records) == 2 and Decimal(records[1].data["old"]) == Decimal(5)
    assert chain_verify(chain=RULES_CHAIN).ok


def test_a_missing_rule_row_is_created_from_the_defaults(city):
    Rule.objects.filter(key="publicity_workdays").delete()
    rule = rule_set(user=city, key="publicity_workdays", value=Decimal(4), reason="市局会议纪要")
    default = RULES["publicity_workdays"]
    assert (rule.label, rule.unit, rule.source, rule.min_value) == (
        default.label, default.unit, default.source, default.min_value
    )
    assert rule_value("publicity_workdays") == Decimal(4)
    assert Decimal(chain_records(chain=RULES_CHAIN).last().data["old"]) == default.value


def test_an_existing_row_gets_label_unit_and_source_refreshed(city):
    Rule.objects.filter(key="confirm_workdays").update(label="旧名称", source="旧依据")
    rule = rule_set(user=city, key="confirm_workdays", value=Decimal(2), reason="市局会议纪要")
    rule.refresh_from_db()
    assert (rule.label, rule.source) == (RULES["confirm_workdays"].label, RULES["confirm_workdays"].source)


@pytest.mark.parametrize("maker", [lambda: bureau_user(region_code=COUNTY), owner_user, firm_user])
def test_only_city_bureau_staff_may_set_rules(maker):
    user = maker()
    with pytest.raises(NotAllowed):
        rule_set(user=user, key="min_registrants", value=Decimal(2), reason="市局会议纪要")
    assert rule_value("min_registrants") == Decimal(3)
    assert not chain_records(chain=RULES_CHAIN).exists()


@pytest.mark.parametrize(("key", "value"), [
    ("signup_window_workdays", Decimal(0)),
    ("min_registrants", Decimal(-1)),
    ("auction_default_step_percent", Decimal("0.001")),
])
def test_a_value_below_the_rules_minimum_is_refused(city, key, value):
    before = rule_value(key)
    with pytest.raises(ValidationFailed) as caught:
        rule_set(user=city, key=key, value=value, reason="市局会议纪要")
    assert "不得低于" in caught.value.errors["value"][0]
    assert rule_value(key) == before
    assert not chain_records(chain=RULES_CHAIN).exists()


def test_counting_rules_take_whole_numbers_and_percentages_fractions(city):
    with pytest.raises(ValidationFailed) as caught:
        rule_set(user=city, key="min_registrants", value=Decimal("2.5"), reason="市局会议纪要")
    assert "须为整数" in caught.value.errors["value"][0]
    rule_set(user=city, key="auction_default_step_percent", value=Decimal("0.75"), reason="市局会议纪要")
    assert rule_value("auction_default_step_percent") == Decimal("0.75")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e20", "1.00001", "abc"])
def test_values_the_column_cannot_hold_are_refused(city, value):
    with pytest.raises(ValidationFailed) as caught:
        rule_set(user=city, key="abnormally_low_percent", value=value, reason="市局会议纪要")
    assert "value" in caught.value.errors


def test_an_unknown_rule_is_refused(city):
    with pytest.raises(ValidationFailed) as caught:
        rule_set(user=city, key="no_such_rule", value=Decimal(1), reason="市局会议纪要")
    assert "key" in caught.value.errors
    assert not Rule.objects.filter(key="no_such_rule").exists()


# ---------------------------------------------------------------------------------------
# The calendar


def test_calendar_day_set_overrides_the_library_and_is_audited(city):
    holiday = date(2027, 2, 8)  # a Monday; the library does not know 2027
    assert workday_is(holiday) is True
    calendar_day_set(user=city, day=holiday, is_workday=False, note="春节")
    assert workday_is(holiday) is False
    makeup = date(2027, 2, 6)  # a Saturday worked instead (调休上班)
    calendar_day_set(user=city, day=makeup, is_workday=True, note="调休上班")
    assert workday_add(date(2027, 2, 5), 1) == makeup
    records = list(chain_records(chain=CALENDAR_CHAIN))
    assert [r.data["date"] for r in records] == ["2027-02-08", "2027-02-06"]
    assert records[0].data["old"] is None and records[0].data["new"] == {"is_workday": False, "note": "春节"}
    assert chain_verify(chain=CALENDAR_CHAIN).ok


def test_calendar_day_set_changes_an_existing_override(city):
    day = date(2027, 10, 1)
    calendar_day_set(user=city, day=day, is_workday=False, note="国庆节")
    entry = calendar_day_set(user=city, day=day, is_workday=True, note="更正")
    assert CalendarDay.objects.count() == 1 and (entry.is_workday, entry.note) == (True, "更正")
    assert chain_records(chain=CALENDAR_CHAIN).last().data["old"] == {"is_workday": False, "note": "国庆节"}


def test_calendar_day_clear_restores_the_default(city):
    day = date(2026, 10, 1)  # National Day: a holiday the library knows
    calendar_day_set(user=city, day=day, is_workday=True, note="测试更正")
    assert workday_is(day) is True
    assert calendar_day_clear(user=city, day=day) is True
    assert workday_is(day) is False
    assert chain_records(chain=CALENDAR_CHAIN).last().kind == "calendar_day_cleared"
    assert calendar_day_clear(user=city, day=day) is False
    assert chain_records(chain=CALENDAR_CHAIN).count() == 2


def test_only_city_staff_edit_the_calendar(county):
    with pytest.raises(NotAllowed):
        calendar_day_set(user=county, day=date(2027, 2, 8), is_workday=False, note="春节")
    with pytest.raises(NotAllowed):
        calendar_day_clear(user=county, day=date(2027, 2, 8))
    assert not CalendarDay.objects.exists()


def test_a_calendar_note_longer_than_the_column_is_refused(city):
    with pytest.raises(ValidationFailed) as caught:
        calendar_day_set(user=city, day=date(2027, 2, 8), is_workday=False, note="节" * 61)
    assert "note" in caught.value.errors


def test_a_rule_change_is_refused_without_a_reason_and_audited_with_it():
    from audit.selectors import chain_records
    from market.services_rules import RULES_CHAIN

    city = bureau_user()
    with pytest.raises(ValidationFailed) as caught:
        rule_set(user=city, key="publicity_workdays", value=Decimal(4), reason=" ")
    assert "reason" in caught.value.errors
    rule_set(user=city, key="publicity_workdays", value=Decimal(4), reason="依据市政府办公室通知")
    assert chain_records(chain=RULES_CHAIN).last().reason == "依据市政府办公室通知"
