"""Unified social credit code (统一社会信用代码), GB 32100-2015.

The canonical implementation for the app. An 18-character code is made of:

    position 1      registration authority (登记管理部门码), e.g. ``9`` = market regulation
    position 2      organisation type (机构类别码), e.g. ``1`` = enterprise
    positions 3-8   administrative division of the registering authority (GB/T 2260)
    positions 9-17  organisation code (主体标识码, GB 11714)
    position 18     check character

The alphabet is the 10 digits and the 21 upper-case letters without I, O, S, V and Z
(values 0..30). The check character is ``31 - (sum(value_i * weight_i) mod 31)``, with 31
written as ``0``.

``bidding/draw.py`` and ``tools/verify_draw.py`` carry a standard-library copy of the check
for the public draw verifier; this module is the one the app itself uses. Pure Python: only
:func:`uscc_validate` touches Django, and imports it lazily.
"""

from __future__ import annotations

__all__ = [
    "USCC_CHARSET",
    "USCC_LENGTH",
    "USCC_WEIGHTS",
    "normalize_uscc",
    "uscc_check_char",
    "uscc_is_valid",
    "uscc_problem",
    "uscc_validate",
]

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18

_VALUES = {ch: i for i, ch in enumerate(USCC_CHARSET)}


def normalize_uscc(code: str) -> str:
    """Strip surrounding white space and upper-case; what a form should do before validating."""
    return code.strip().upper()


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a code.

    Raises ``ValueError`` unless ``first17`` is exactly 17 characters of the code alphabet.
    """
    if not isinstance(first17, str) or len(first17) != USCC_LENGTH - 1:
        raise ValueError("expected 17 characters")
    try:
        total = sum(_VALUES[ch] * w for ch, w in zip(first17, USCC_WEIGHTS))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the GB 32100-2015 alphabet") from None
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: object) -> tuple[str, str] | None:
    """Say what is wrong with ``code``: ``None`` if valid, else ``(error_code, chinese_message)``.

    ``error_code`` is one of ``"length"``, ``"charset"`` and ``"checksum"``. The check is
    strict: lower-case letters are illegal characters (normalise first with
    :func:`normalize_uscc` when reading user input).
    """
    if not isinstance(code, str) or len(code) != USCC_LENGTH:
        n = len(code) if isinstance(code, str) else 0
        return "length", f"统一社会信用代码应为18位，当前为{n}位。"
    bad = sorted({ch for ch in code if ch not in _VALUES})
    if bad:
        shown = "、".join(bad)
        return (
            "charset",
            f"统一社会信用代码含有非法字符：{shown}（只能使用数字和除I、O、S、V、Z以外的大写英文字母）。",
        )
    expected = uscc_check_char(code[:-1])
    if code[-1] != expected:
        return "checksum", f"统一社会信用代码校验位错误：第18位应为“{expected}”，实为“{code[-1]}”，请核对。"
    return None


def uscc_is_valid(code: object) -> bool:
    """Tell whether ``code`` has the right length, alphabet and check character.

    It does not tell whether the code was actually issued to anyone.
    """
    return uscc_problem(code) is None


def uscc_validate(code: object) -> None:
    """Django validator: raise ``ValidationError`` with a Chinese message if ``code`` is invalid.

    The error's ``code`` is ``uscc_length``, ``uscc_charset`` or ``uscc_checksum``.
    """
    problem = uscc_problem(code)
    if problem is None:
        return
    from django.core.exceptions import ValidationError

    kind, message = problem
    raise ValidationError(message, code=f"uscc_{kind}")
