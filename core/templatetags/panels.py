"""`{% panel p %}`: render a panel an upper app contributed to a page (`market.extensions.Panel`)."""

from django import template
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def panel(context, item):
    """Render `item.template` with the page's context plus the panel's own."""
    with context.push(**item.context):
        return get_template(item.template).render(context.flatten(), context.get("request"))
