"""Working days on the Chinese calendar: public holidays and 调休 make-up working days from
the chinese-calendar library, overridden by the bureau's own table (`core.models.CalendarDay`)
for years the library does not know yet or for local corrections."""

from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.utils import timezone


def _library_is_workday(day: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None  # a year the library does not know yet


def _overrides(start: date, end: date) -> dict[date, bool]:
    from core.models import CalendarDay

    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday"))


def _is_workday(day: date, overrides: dict[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    known = _library_is_workday(day)
    if known is not None:
        return known
    # Unknown year and no bureau entry: Monday to Friday until the bureau fills the table.
    return day.weekday() < 5


def workday_is(day: date) -> bool:
    """Whether `day` is a working day: the bureau's table first, then chinese-calendar."""
    return _is_workday(day, _overrides(day, day))


def workday_add(day: date, n: int) -> date:
    """The n-th working day after `day` (n >= 1); `day` itself does not count. One query."""
    if n < 1:
        raise ValueError("n must be at least 1")
    # Long holidays (Spring Festival) never hold more than ~10 days off in a row.
    overrides = _overrides(day, day + timedelta(days=n * 3 + 20))
    current, found = day, 0
    while found < n:
        current += timedelta(days=1)
        if _is_workday(current, overrides):
            found += 1
    return current


def workdays_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if end <= start).
    One query."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if _is_workday(current, overrides):
            count += 1
    return count


def workday_shift(at: datetime, n: int) -> datetime:
    """The same local clock time on the n-th working day after `at`'s date."""
    local = timezone.localtime(at)
    target = workday_add(local.date(), n)
    return timezone.make_aware(datetime.combine(target, local.time().replace(tzinfo=None)))


def workday_due(at: datetime, n: int) -> datetime:
    """A deadline of "within n working days": the end of the n-th working day after `at`."""
    local = timezone.localtime(at)
    target = workday_add(local.date(), n)
    return timezone.make_aware(datetime.combine(target, time(23, 59, 59)))


def day_due(at: datetime, n: int) -> datetime:
    """A deadline of "within n (calendar) days": the end of the n-th day after `at`."""
    local = timezone.localtime(at)
    return timezone.make_aware(datetime.combine(local.date() + timedelta(days=n), time(23, 59, 59)))


def workdays_counter(start: date, end: date):
    """A function `count(a, b)` equal to `workdays_between(a, b)` for any dates within
    [start, end], answered in constant time: one query and one pass over the span, for
    figures that count working days between many pairs of dates (supervision statistics).
    Dates outside the span fall back to `workdays_between`."""
    if end < start:
        start, end = end, start
    overrides = _overrides(start, end)
    cumulative: dict[date, int] = {}
    current, total = start, 0
    while current <= end:
        if _is_workday(current, overrides):
            total += 1
        cumulative[current] = total
        current += timedelta(days=1)

    def count(a: date, b: date) -> int:
        if b <= a:
            return 0
        if a in cumulative and b in cumulative:
            return cumulative[b] - cumulative[a]
        return workdays_between(a, b)

    return count
