"""Working days on the Chinese calendar, with the bureau's table for unknown years."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from core.calendar import workday_add, workday_due, workday_is, workday_shift
from core.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_national_day_holiday_is_not_a_workday():
    assert workday_is(date(2026, 10, 1)) is False  # a Thursday


def test_makeup_weekend_day_is_a_workday():
    """调休: the library knows weekend days that are working days in 2026."""
    import chinese_calendar

    makeup = next(
        d for d in (date(2026, 1, 1) + timedelta(days=i) for i in range(365))
        if d.weekday() >= 5 and chinese_calendar.is_workday(d)
    )
    assert workday_is(makeup) is True


def test_adding_workdays_skips_the_national_day_week():
    # Wednesday 30 September 2026 + 1 working day jumps over the Golden Week.
    nxt = workday_add(date(2026, 9, 30), 1)
    assert nxt > date(2026, 10, 7)
    assert workday_is(nxt)


def test_bureau_table_overrides_the_library_and_covers_unknown_years():
    assert workday_is(date(2027, 2, 8)) is True  # a Monday; the library does not know 2027
    CalendarDay.objects.create(date=date(2027, 2, 8), is_workday=False, note="春节")
    assert workday_is(date(2027, 2, 8)) is False
    CalendarDay.objects.create(date=date(2027, 2, 6), is_workday=True, note="调休上班")
    assert workday_add(date(2027, 2, 5), 1) == date(2027, 2, 6)


def test_shift_keeps_the_clock_and_due_is_end_of_day():
    at = timezone.make_aware(datetime(2026, 12, 1, 10, 30))  # Tuesday
    shifted = timezone.localtime(workday_shift(at, 3))
    assert (shifted.date(), shifted.hour, shifted.minute) == (date(2026, 12, 4), 10, 30)
    due = timezone.localtime(workday_due(at, 3))
    assert (due.date(), due.hour, due.minute) == (date(2026, 12, 4), 23, 59)
