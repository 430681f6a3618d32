"""Bounds on the free text of registration and people forms: `core.text.text_clean` per
field, with every field's message collected, so a form shows all its problems at once."""

from __future__ import annotations

from core.exceptions import ValidationFailed
from core.text import text_clean


def clean_text(errors: dict[str, list[str]], field: str, value, *, label: str, max_length: int,
               required: bool = True, multiline: bool = False) -> str:
    """`value` trimmed and bounded (see `text_clean`); a problem is added to `errors`
    under `field` (and "" is returned) instead of raised."""
    try:
        return text_clean(value, field=field, label=label, max_length=max_length, required=required,
                          multiline=multiline)
    except ValidationFailed as exc:
        errors.setdefault(field, []).extend(exc.errors.get(field) or [exc.message])
        return ""


def raise_if(errors: dict[str, list[str]], message: str = "填写的信息有误，请按提示修改。") -> None:
    if errors:
        raise ValidationFailed(message, errors=errors)
