"""Bounds of every input, with a Chinese message: a service calls these before it writes."""

from decimal import Decimal, InvalidOperation

from core.exceptions import field_error

MONEY_MAX = Decimal("100000000000")  # 1,000亿元: above any public project, within the columns (max_digits=14)
CENT = Decimal("0.01")


def text_clean(value, *, field: str, label: str, max_length: int, required: bool = False,
               multiline: bool = True) -> str:
    """`value` stripped; ValidationFailed (on `field`) when it is required and empty or
    longer than `max_length` characters. A single-line text refuses line breaks."""
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise field_error(field, f"请填写{label}。")
    if len(text) > max_length:
        raise field_error(field, f"{label}不能超过{max_length}个字（当前{len(text)}个字）。")
    if not multiline and ("\n" in text or "\r" in text):
        raise field_error(field, f"{label}不能换行。")
    if "\x00" in text:
        raise field_error(field, f"{label}含有无效字符。")
    return text


def money_clean(value, *, field: str, label: str = "金额", minimum: Decimal = CENT,
                maximum: Decimal = MONEY_MAX) -> Decimal:
    """A yuan amount with at most two decimals between `minimum` and `maximum`."""
    if isinstance(value, bool):
        raise field_error(field, f"请填写有效的{label}（元）。")
    if isinstance(value, str):
        # What a person typed: "83,000.00", "8.3万", "83000元" (core.format.money_parse).
        from core.format import MoneyParseError, money_parse

        try:
            value = money_parse(value, label=label)
        except MoneyParseError as exc:
            raise field_error(field, exc.message) from None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError):
        raise field_error(field, f"请填写有效的{label}（元）。") from None
    if not number.is_finite():
        raise field_error(field, f"请填写有效的{label}（元）。")
    if abs(number) > maximum:
        raise field_error(field, f"{label}不能超过{maximum:,.0f}元。")
    if number != number.quantize(CENT):
        raise field_error(field, f"{label}最多保留两位小数。")
    if number < minimum:
        raise field_error(field, f"{label}不能低于{minimum:,.2f}元。")
    return number.quantize(CENT)


def int_clean(value, *, field: str, label: str, minimum: int, maximum: int, unit: str = "") -> int:
    """A whole number between `minimum` and `maximum`."""
    try:
        number = int(str(value).strip())
    except (ValueError, TypeError):
        raise field_error(field, f"请填写有效的{label}（整数）。") from None
    if number < minimum or number > maximum:
        raise field_error(field, f"{label}应在{minimum}至{maximum}{unit}之间。")
    return number


def id_clean(value, *, field: str, label: str) -> int:
    """An object id from a form: a positive whole number, else ValidationFailed on `field`
    ("请选择…"), so a tampered or empty field is a 400 with a message, never a 500."""
    try:
        number = int(str(value).strip())
    except (ValueError, TypeError):
        raise field_error(field, f"请选择{label}。") from None
    if not 1 <= number <= 2**63 - 1:
        raise field_error(field, f"请选择{label}。")
    return number
