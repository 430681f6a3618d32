"""How amounts and times are written for people (Chinese readers, Beijing time).

Every text a service composes for a person (messages, notifications, mails) and every
template (through `core.templatetags.zh`) uses these, so the platform writes one format:
80,000.00 元 and 2026年12月3日 14:30.
"""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone


def money_plain(amount) -> str:
    """80000 → "80,000.00" (no unit); "" for None."""
    if amount is None or amount == "":
        return ""
    return f"{Decimal(str(amount)):,.2f}"


def money(amount) -> str:
    """80000 → "80,000.00 元"; "" for None."""
    text = money_plain(amount)
    return f"{text} 元" if text else ""


def day(value: date | datetime | None) -> str:
    """"2026年12月3日" (a datetime is first put in Beijing time); "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year}年{value.month}月{value.day}日"


def when(value: datetime | None) -> str:
    """"2026年12月3日 14:30" in Beijing time; "" for None."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day(local)} {local:%H:%M}"


def when_seconds(value: datetime | None) -> str:
    """"2026年12月3日 14:30:05" in Beijing time (auction bids, audit records)."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day(local)} {local:%H:%M:%S}"
