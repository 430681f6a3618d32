"""`{% load zh %}`: amounts and times as a Chinese reader writes them (`core.format`):
`{{ amount|money }}` → 80,000.00 元, `{{ at|when }}` → 2026年12月3日 14:30 (Beijing time)."""

from django import template

from core import format as fmt

register = template.Library()


@register.filter
def money(amount) -> str:
    return fmt.money(amount)


@register.filter
def when(value) -> str:
    return fmt.when(value)


@register.filter
def when_seconds(value) -> str:
    return fmt.when_seconds(value)
