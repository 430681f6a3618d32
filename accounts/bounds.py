"""Bounds on free text, checked in the service with a Chinese message per field (the model
and the form carry the same limits, so the three agree)."""

from __future__ import annotations

from market.exceptions import ValidationFailed


def clean_text(errors: dict[str, list[str]], field: str, value, *, label: str, max_length: int,
               required: bool = True) -> str:
    """`value` trimmed; records a message under `field` in `errors` when it is missing
    (and required), not text, or longer than `max_length` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(f"{label}格式不正确。")
        return ""
    value = value.strip()
    if required and not value:
        errors.setdefault(field, []).append(f"请填写{label}。")
    elif len(value) > max_length:
        errors.setdefault(field, []).append(f"{label}不能超过{max_length}个字符（现为{len(value)}个）。")
    elif "\x00" in value:
        errors.setdefault(field, []).append(f"{label}含有非法字符。")
    return value


def raise_if(errors: dict[str, list[str]], message: str = "填写的信息有误，请按提示修改。") -> None:
    if errors:
        raise ValidationFailed(message, errors=errors)
