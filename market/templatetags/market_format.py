"""Formatting filters for Chinese pages."""

from django import template

register = template.Library()


@register.filter
def duration_zh(seconds) -> str:
    """A number of seconds as 天/小时/分钟 (e.g. 3天5小时), for a person, not a machine."""
    try:
        total = max(int(seconds or 0), 0)
    except (TypeError, ValueError):
        return ""
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{minutes}分钟" if minutes and not days else ""]
    return "".join(parts) or "不足1分钟"
