"""Resident identity card number (公民身份号码), GB 11643-1999.

Eighteen characters:

    positions 1-6    address code: the county of first registration (GB/T 2260)
    positions 7-14   date of birth, YYYYMMDD
    positions 15-17  sequence code (odd for men, even for women)
    position 18      check character, ISO 7064:1983 MOD 11-2

The check character is ``(12 - sum(digit_i * weight_i) mod 11) mod 11`` with the weights
``2^(17 - i) mod 11`` (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), and 10 written
as ``X``. Pure Python; only :func:`id_number_validate` touches Django, lazily.
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "ID_WEIGHTS",
    "id_number_check_char",
    "id_number_is_valid",
    "id_number_normalize",
    "id_number_problem",
    "id_number_validate",
]

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # indexed by sum mod 11
_EARLIEST_BIRTH = date(1900, 1, 1)


def id_number_normalize(value: str) -> str:
    """Strip white space and upper-case a trailing ``x``: what a form does before checking."""
    return "".join(str(value).split()).upper()


def id_number_check_char(first17: str) -> str:
    """The check character for the first 17 digits. ``ValueError`` unless 17 ASCII digits."""
    if not isinstance(first17, str) or len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("expected 17 digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def id_number_problem(value: object, *, today: date | None = None) -> tuple[str, str] | None:
    """What is wrong with ``value``: ``None`` if it is a well-formed number, else
    ``(error_code, chinese_message)`` with ``error_code`` one of ``length``, ``charset``,
    ``region``, ``birth`` and ``checksum``. Strict: normalise first."""
    if not isinstance(value, str) or len(value) != 18:
        n = len(value) if isinstance(value, str) else 0
        return "length", f"居民身份证号码应为18位，当前为{n}位。"
    body, check = value[:17], value[17]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        return "charset", "居民身份证号码前17位应为数字，第18位为数字或X。"
    if body[0] not in "12345678" or body[:2] == "00":
        return "region", "居民身份证号码前6位（地址码）不正确。"
    try:
        born = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return "birth", "居民身份证号码中的出生日期不存在。"
    if born < _EARLIEST_BIRTH or born > (today or date.today()):
        return "birth", "居民身份证号码中的出生日期不正确。"
    expected = id_number_check_char(body)
    if check != expected:
        return "checksum", f"居民身份证号码校验位错误：第18位应为“{expected}”，实为“{check}”，请核对。"
    return None


def id_number_is_valid(value: object) -> bool:
    """Whether ``value`` is well formed (it does not tell whether it was ever issued)."""
    return id_number_problem(value) is None


def id_number_validate(value: object) -> None:
    """Django validator: ``ValidationError`` (code ``id_number_<problem>``) with a Chinese
    message unless ``value`` is well formed."""
    problem = id_number_problem(value)
    if problem is None:
        return
    from django.core.exceptions import ValidationError

    kind, message = problem
    raise ValidationError(message, code=f"id_number_{kind}")
