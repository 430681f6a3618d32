"""Writes of the rules as data: the bureau's rule values and the working-day calendar.

Only city bureau staff change them: they apply city-wide, so a county officer may read
them but not edit them. Every change is appended to an audit chain ("rules" or
"calendar") with the old and the new value, in the same transaction as the write.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from audit.services import record_append
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from core.jurisdiction import is_bureau, is_city_bureau
from core.locking import lock_rows
from core.text import text_clean
from core.models import CalendarDay, Rule
from core.rules import RULES, RuleDefault

RULES_CHAIN = "rules"
CALENDAR_CHAIN = "calendar"

# Rule.value is DecimalField(max_digits=14, decimal_places=4).
_VALUE_PLACES = Decimal("0.0001")
_VALUE_LIMIT = Decimal(10) ** 10

# Concurrent writers of different rows may race for the next link of the shared audit
# chain; the unique (chain, seq) constraint refuses the loser, which simply retries.
_ATTEMPTS = 3


def _require_city_bureau(user, *, what: str) -> None:
    """Raise NotAllowed unless `user` is staff of the city (not a county) bureau."""
    if not is_bureau(user):
        raise NotAllowed(f"只有行政审批局工作人员可以修改{what}。")
    if not is_city_bureau(user):
        raise NotAllowed(f"{what}全市统一适用，只能由市行政审批局修改。")


def _rule_default(key: str) -> RuleDefault:
    try:
        return RULES[key]
    except KeyError:
        raise ValidationFailed("未知的规则参数。", errors={"key": ["未知的规则参数。"]}) from None


def _rule_value_clean(default: RuleDefault, value) -> Decimal:
    """Check `value` against the rule: a finite number that the column holds, a whole
    number for counts of days, firms, months …, not below the rule's minimum."""

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(message, errors={"value": [message]})

    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refuse("请输入有效的数值。") from None
    if not number.is_finite() or abs(number) >= _VALUE_LIMIT:
        raise refuse("请输入有效的数值。")
    if number != number.quantize(_VALUE_PLACES):
        raise refuse("数值最多保留4位小数。")
    # Percentages may be fractional; every other unit counts whole things, and code reads
    # those rules with `rule_int`, which would silently truncate a fraction.
    if not default.unit.startswith("%") and number != number.to_integral_value():
        raise refuse(f"“{default.label}”须为整数（单位：{default.unit}）。")
    if default.min_value is not None and number < default.min_value:
        raise refuse(f"“{default.label}”不得低于 {format(default.min_value.normalize(), 'f')} {default.unit}。")
    return number.quantize(_VALUE_PLACES)


def _with_retry(write):
    """Run `write()` in its own (nested) transaction, retrying a lost audit-chain race."""
    for attempt in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                return write()
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise InvalidState("其他工作人员正在同时修改，请刷新后重试。") from None
    raise AssertionError("unreachable")


def rule_set(*, user, key: str, value: Decimal, reason: str) -> Rule:
    """Set the value in force of rule `key` (city bureau staff only), for a `reason` (the
    decision or document behind the change, 2–200 characters), kept in the audit record.

    Upserts the Rule row, refreshing its label, unit, source and minimum from
    `core.rules.RULES`, and appends the old and new value to the "rules" audit chain,
    all in one transaction. Raises NotAllowed for anyone but city bureau staff and
    ValidationFailed (field "value", or "key" for an unknown rule) for a bad value.
    The existing row is locked with `lock_rows` (FOR NO KEY UPDATE on PostgreSQL, FOR
    UPDATE on MySQL/MariaDB, which have no NO KEY lock).
    """
    _require_city_bureau(user, what="规则参数")
    default = _rule_default(key)
    new_value = _rule_value_clean(default, value)
    reason = text_clean(reason, field="reason", label="修改理由", max_length=200, required=True)
    if len(reason) < 2:
        raise ValidationFailed("请写明修改理由。", errors={"reason": ["请写明修改理由（如依据的文件或会议纪要）。"]})
    fields = {"label": default.label, "unit": default.unit, "source": default.source, "min_value": default.min_value}

    def write() -> Rule:
        rule = lock_rows(Rule.objects.filter(key=key)).first()
        if rule is None:
            old_value = default.value
            rule = Rule.objects.create(key=key, value=new_value, updated_by=user, **fields)
        else:
            old_value = rule.value
            for name, field_value in fields.items():
                setattr(rule, name, field_value)
            rule.value, rule.updated_by = new_value, user
            rule.save()
        record_append(
            chain=RULES_CHAIN, kind="rule_set", actor=user, reason=reason,
            data={"key": key, "label": default.label, "unit": default.unit, "old": old_value, "new": new_value},
        )
        return rule

    return _with_retry(write)


def calendar_day_set(*, user, day: date, is_workday: bool, note: str = "") -> CalendarDay:
    """Fix whether `day` is a working day (city bureau staff only), overriding the
    chinese-calendar library for that date; appended to the "calendar" audit chain."""
    _require_city_bureau(user, what="工作日历")
    note = (note or "").strip()
    if len(note) > 60:
        raise ValidationFailed("说明过长。", errors={"note": ["说明不能超过60个字。"]})

    def write() -> CalendarDay:
        entry = lock_rows(CalendarDay.objects.filter(date=day)).first()
        old = None if entry is None else {"is_workday": entry.is_workday, "note": entry.note}
        if entry is None:
            entry = CalendarDay.objects.create(date=day, is_workday=is_workday, note=note)
        else:
            entry.is_workday, entry.note = is_workday, note
            entry.save()
        record_append(
            chain=CALENDAR_CHAIN, kind="calendar_day_set", actor=user,
            data={"date": day, "old": old, "new": {"is_workday": is_workday, "note": note}},
        )
        return entry

    return _with_retry(write)


def calendar_day_clear(*, user, day: date) -> bool:
    """Remove the bureau's override of `day` (city bureau staff only), so the library's
    answer applies again. Returns whether there was an override to remove."""
    _require_city_bureau(user, what="工作日历")

    def write() -> bool:
        entry = lock_rows(CalendarDay.objects.filter(date=day)).first()
        if entry is None:
            return False
        old = {"is_workday": entry.is_workday, "note": entry.note}
        entry.delete()
        record_append(chain=CALENDAR_CHAIN, kind="calendar_day_cleared", actor=user,
                      data={"date": day, "old": old, "new": None})
        return True

    return _with_retry(write)
