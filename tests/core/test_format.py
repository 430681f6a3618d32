"""The one Chinese format: amounts, capitals, the amount parser, dates in Beijing time."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template

from core.format import MoneyParseError, date_zh, datetime_zh, money, money_capital, money_number, money_parse


@pytest.mark.parametrize("value,text", [
    (80000, "80,000.00 元"), (Decimal("1234567.891"), "1,234,567.89 元"), ("95000", "95,000.00 元"),
    (0, "0.00 元"), (None, ""), ("abc", ""),
])
def test_money_has_thousands_separators_and_two_decimals(value, text):
    assert money(value) == text


def test_money_number_is_the_bare_figure():
    assert money_number(Decimal("83000")) == "83,000.00" and money_number(None) == ""


CAPITALS = [
    ("83000", "捌万叁仟元整"), ("80000.00", "捌万元整"), ("1409.50", "壹仟肆佰零玖元伍角整"), ("10.05", "壹拾元零伍分"),
    ("0.05", "伍分"), ("0.50", "伍角整"), ("0", "零元整"), ("100010", "壹拾万零壹拾元整"), ("1000000", "壹佰万元整"),
    ("100000001", "壹亿零壹元整"), ("110000000", "壹亿壹仟万元整"), ("100100000", "壹亿零壹拾万元整"),
    ("1010", "壹仟零壹拾元整"), ("10001", "壹万零壹元整"), ("105000.78", "壹拾万伍仟元柒角捌分"),
    ("99999999999.99", "玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize("value,text", CAPITALS)
def test_capital_numerals_follow_the_bank_convention(value, text):
    assert money_capital(Decimal(value)) == text


def test_capital_of_nothing_or_a_negative_is_empty():
    assert money_capital(None) == "" and money_capital(-1) == "" and money_capital("x") == ""


PARSED = [
    ("83000", "83000.00"), ("83,000.00", "83000.00"), ("8.3万", "83000.00"), ("8.3万元", "83000.00"),
    ("83000元", "83000.00"), (" 8.3 万 ", "83000.00"), ("８．３万", "83000.00"), ("83，000", "83000.00"),
    ("1.234567万", "12345.67"), ("0", "0.00"), ("95000.5", "95000.50"),
]


@pytest.mark.parametrize("typed,value", PARSED)
def test_parse_understands_what_people_type(typed, value):
    assert money_parse(typed) == Decimal(value)


REFUSED = [
    ("8.3k", "只能用“元”或“万”作单位"), ("8千", "只能用“元”或“万”作单位"), ("1亿", "只能用“元”或“万”作单位"),
    ("-5", "不能为负数"), ("1e5", "无法识别"), ("八万", "无法识别"), ("", "请填写"), ("83000.001", "最多保留两位小数"),
    ("1.2345678万", "精确到分即可"), ("200000000000", "不能超过"), ("8.3万万", "无法识别"),
]


@pytest.mark.parametrize("typed,message", REFUSED)
def test_parse_refuses_with_a_helpful_message(typed, message):
    with pytest.raises(MoneyParseError) as caught:
        money_parse(typed)
    assert message in caught.value.message


def test_parse_takes_numbers_as_they_are():
    assert money_parse(Decimal("8.3E+4")) == Decimal("83000.00") and money_parse(95000) == Decimal("95000.00")


def test_dates_are_written_in_beijing_time_as_a_chinese_reader_expects():
    at = datetime(2026, 12, 3, 6, 30, 5, tzinfo=UTC)  # 14:30:05 in Beijing
    assert datetime_zh(at) == "2026年12月3日 14:30"
    assert datetime_zh(at, seconds=True) == "2026年12月3日 14:30:05"
    assert date_zh(at) == "2026年12月3日" and date_zh(date(2027, 1, 9)) == "2027年1月9日"
    assert datetime_zh(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == "2027年1月1日 00:00"
    assert datetime_zh(None) == "" and date_zh(None) == ""
    # ISO stamps kept in JSON records read the same way
    assert date_zh("2027-02-08") == "2027年2月8日" and datetime_zh("2026-12-02T20:00:57.821115+08:00") == "2026年12月2日 20:00"
    assert date_zh("not a date") == "" and datetime_zh("garbage") == ""


def test_template_filters():
    html = Template("{% load yc_format %}{{ a|money }}|{{ a|money_number }}|{{ a|money_capital }}|{{ t|zh_datetime }}|"
                    "{{ t|zh_datetime_s }}|{{ t|zh_date }}").render(
        Context({"a": Decimal("83000"), "t": datetime(2026, 12, 3, 6, 30, 5, tzinfo=UTC)}))
    assert html == "83,000.00 元|83,000.00|捌万叁仟元整|2026年12月3日 14:30|2026年12月3日 14:30:05|2026年12月3日"


def test_a_firm_is_shown_where_it_is_registered():
    from core.divisions import registered_place

    assert registered_place("91110108MA01ABCD0X") == "北京市"
    assert registered_place("91430104MA4L0000XX") == "湖南省"
    assert registered_place("913601035905541254") == "江西省南昌市"
    assert registered_place("91360982MA35000000") == "宜春市樟树市"
    assert registered_place("91360900MA35000000") == "宜春市"
    assert registered_place("") == "" and registered_place("x" * 18) == ""
