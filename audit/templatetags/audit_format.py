"""Dates, times (Beijing) and amounts as a Chinese reader writes them."""

from django import template

from audit.timeline import format_amount, format_date, format_datetime

register = template.Library()


@register.filter
def zh_datetime(value) -> str:
    """`2026年12月3日 14:30`."""
    return format_datetime(value) if value else ""


@register.filter
def zh_date(value) -> str:
    """`2026年12月3日`."""
    return format_date(value) if value else ""


@register.filter
def zh_amount(value) -> str:
    """`80,000.00 元`."""
    return format_amount(value)
