"""Template filters of the one Chinese format (`core.format`):

    {% load yc_format %}
    {{ req.ceiling|money }}          → 80,000.00 元
    {{ req.ceiling|money_number }}   → 80,000.00   (a column whose header says 元)
    {{ req.ceiling|money_capital }}  → 捌万元整
    {{ req.published_at|zh_datetime }} → 2026年12月3日 14:30 (Beijing time)
    {{ bid.at|zh_datetime_s }}       → 2026年12月3日 14:30:05
    {{ cert.valid_until|zh_date }}   → 2026年12月3日
"""

from django import template

from core import format as fmt
from core.divisions import registered_place

register = template.Library()

register.filter("money", fmt.money)
register.filter("money_number", fmt.money_number)
register.filter("money_capital", fmt.money_capital)
register.filter("zh_date", fmt.date_zh)
register.filter("registered_place", registered_place)  # {{ firm.uscc|registered_place }} → 北京市


@register.filter
def zh_datetime(value) -> str:
    return fmt.datetime_zh(value)


@register.filter
def zh_datetime_s(value) -> str:
    return fmt.datetime_zh(value, seconds=True)
