"""One Chinese format for what people read: amounts, capital numerals, dates and times.

- `money(80000)` → "80,000.00 元"; `money_number(80000)` → "80,000.00" (tables with a 元 header).
- `money_capital(83000)` → "捌万叁仟元整" (大写, as on a cheque or a bid form).
- `money_parse("8.3万")` → Decimal("83000.00"): what a person types into an amount field —
  "83000", "83,000.00", "83000元", "8.3万", "8.3万元", full-width digits — understood, anything
  else refused with a Chinese message saying what to type. Its JavaScript twin is
  `static/js/money.js` (YC.money.parse / capital / format), tested against this module.
- `datetime_zh(at)` → "2026年12月3日 14:30" in Beijing time; `date_zh(day)` → "2026年12月3日".
  (Also under the short names services use: `money_plain`, `when`, `when_seconds`, `day`.)

Pure functions on the standard library: usable by services (notification texts), templates
(`core.templatetags.yc_format`) and the API alike.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
WAN = Decimal("10000")
# 1,000亿元: above any public project, within the database columns (max_digits=14).
MONEY_MAX = Decimal("100000000000")


# ---------------------------------------------------------------------------------------
# Amounts


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def money_number(value) -> str:
    """`value` yuan with thousands separators and two decimals ("80,000.00"); "" if not a number."""
    number = _decimal(value)
    if number is None:
        return ""
    return f"{number.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def money(value) -> str:
    """`value` yuan as people read it: "80,000.00 元"; "" if there is no amount."""
    text = money_number(value)
    return f"{text} 元" if text else ""


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _group_capital(n: int) -> str:
    """0 < n < 10000 in capitals with 拾佰仟, inner zeros collapsed to one 零, none trailing."""
    out, zero = [], False
    for pos in range(3, -1, -1):
        digit = n // 10**pos % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[pos])
    return "".join(out)


def _integer_capital(n: int) -> str:
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or group < 1000):
            out.append("零")
        out.append(_group_capital(group) + _GROUP_UNITS[index])
        need_zero = False
    return "".join(out)


def money_capital(value) -> str:
    """An amount in capital Chinese numerals (大写), e.g. 83000 → "捌万叁仟元整",
    1409.50 → "壹仟肆佰零玖元伍角整", 10.05 → "壹拾元零伍分". "" if not a non-negative number
    within the platform's bound."""
    number = _decimal(value)
    if number is None or number < 0 or number > MONEY_MAX:
        return ""
    cents = int(number.quantize(CENT, rounding=ROUND_HALF_UP) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    text = _integer_capital(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return text + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    else:
        text += "整"
    return text


class MoneyParseError(ValueError):
    """An amount a person typed that cannot be understood; `message` says what to type."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_AMOUNT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>万)?元?$")
HINT = "请填写金额（元），例如 83000、83,000.00 或 8.3万。"


def money_parse(text, *, label: str = "金额") -> Decimal:
    """What a person typed as an amount, in yuan with two decimals.

    Understood: digits with an optional decimal part, thousands separators (, or ，),
    spaces, full-width digits, a trailing 元, and 万 (ten thousand: "8.3万" is 83,000.00).
    Refused with a `MoneyParseError` whose message says what to type: anything else
    (letters, signs, exponents, 千/亿/k, two units), more than two decimals of a yuan,
    and amounts above 1,000亿元. Zero is returned as it is; bounds such as "more than 0"
    or "not above the ceiling" are the caller's.
    """
    if isinstance(text, Decimal):
        raw = format(text, "f")
    elif isinstance(text, int) and not isinstance(text, bool):
        raw = str(text)
    elif isinstance(text, str):
        raw = text
    else:
        raise MoneyParseError(f"请填写{label}。{HINT}")
    cleaned = re.sub(r"[\s,，]", "", raw.translate(_FULL_WIDTH))
    if not cleaned:
        raise MoneyParseError(f"请填写{label}。{HINT}")
    match = _AMOUNT.match(cleaned)
    if match is None:
        if re.search(r"[千亿kKwW]", cleaned):
            raise MoneyParseError(f"{label}只能用“元”或“万”作单位。{HINT}")
        if cleaned.startswith("-"):
            raise MoneyParseError(f"{label}不能为负数。")
        raise MoneyParseError(f"无法识别的{label}“{raw.strip()[:20]}”。{HINT}")
    number = Decimal(match["number"])
    if match["unit"]:
        number *= WAN
    if number != number.quantize(CENT):
        if match["unit"]:
            raise MoneyParseError(f"{label}精确到分即可：“{raw.strip()[:20]}”折合的元数超过两位小数。")
        raise MoneyParseError(f"{label}最多保留两位小数（精确到分）。")
    if number > MONEY_MAX:
        raise MoneyParseError(f"{label}不能超过{MONEY_MAX:,.0f}元。")
    return number.quantize(CENT)


# ---------------------------------------------------------------------------------------
# Dates and times


def _beijing(at: datetime) -> datetime:
    return at.astimezone(BEIJING) if at.tzinfo is not None else at


def datetime_zh(at: datetime | None, *, seconds: bool = False) -> str:
    """A moment as a Chinese reader writes it, in Beijing time: "2026年12月3日 14:30"
    (with `seconds`: "14:30:05"). "" for None. A naive datetime is taken as Beijing time."""
    if at is None or at == "":
        return ""
    if isinstance(at, str):  # an ISO stamp kept in a JSON record
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return ""
    if not isinstance(at, datetime):
        return date_zh(at)
    local = _beijing(at)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{local.year}年{local.month}月{local.day}日 {clock}"


def date_zh(day: date | datetime | None) -> str:
    """A day as "2026年12月3日" (a datetime is first put in Beijing time). "" for None."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):  # an ISO date or stamp kept in a JSON record
        try:
            day = datetime.fromisoformat(day) if "T" in day or " " in day else date.fromisoformat(day)
        except ValueError:
            return ""
    if isinstance(day, datetime):
        day = _beijing(day).date()
    if not isinstance(day, date):
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


# The short names services use in the texts they compose (notifications, mails, messages).
money_plain = money_number
when = datetime_zh
day = date_zh


def when_seconds(at: datetime | None) -> str:
    """"2026年12月3日 14:30:05" in Beijing time (auction bids, audit records)."""
    return datetime_zh(at, seconds=True)
