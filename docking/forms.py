"""The owner's request form, fed from JSON: the API cleans a draft with the very form the
owner's page uses (`market.forms_owner.RequestForm`), so both refuse the same input with
the same messages. Catalogue items and firms are named by their codes, not database ids."""

from typing import Any

from core.exceptions import ValidationFailed
from market.forms_owner import RequestForm
from market.models import ServiceItem, ServiceRequest
from market.selectors import registry_list

FORM_FIELDS = ("service_item", "region", "title", "scope", "funding", "project_code", "ceiling", "floor", "method",
               "signup_deadline", "selection_at", "service_days", "auction_minutes", "min_step",
               "allow_abnormally_low", "contact_name", "contact_phone", "exclusions", "exclusion_reason")


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, str)):
        return str(value)
    return value  # a list or an object: the form says it is invalid


def draft_clean(*, body: Any, owner, instance: ServiceRequest | None = None,
                default_region: str | None = None) -> tuple[dict, list[tuple[int, str]]]:
    """(draft data, exclusions) from a JSON body, or ValidationFailed with field errors."""
    if not isinstance(body, dict):
        raise ValidationFailed("请求体应为 JSON 对象。", errors={"": ["请求体应为 JSON 对象。"]})
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in FORM_FIELDS:
        if name in ("exclusions", "service_item", "region", "allow_abnormally_low"):
            continue
        data[name] = _text(body.get(name))
    code = body.get("service_item")
    item = ServiceItem.objects.filter(code=str(code)).first() if isinstance(code, (str, int)) and code != "" else None
    data["service_item"] = item.pk if item is not None else ("" if code in (None, "") else "-1")
    region = body.get("region", default_region)
    data["region"] = str(region) if isinstance(region, (str, int)) and region is not None else ""
    low = body.get("allow_abnormally_low", False)
    data["allow_abnormally_low"] = "on" if low is True or str(low).lower() in ("true", "1", "on") else ""
    if data.get("auction_minutes") == "":
        data["auction_minutes"] = str(ServiceRequest._meta.get_field("auction_minutes").default)
    exclusions = body.get("exclusions") or []
    if not isinstance(exclusions, list) or not all(isinstance(c, str) for c in exclusions):
        errors["exclusions"] = ["回避机构应为统一社会信用代码的列表。"]
        exclusions = []
    found = dict(registry_list().prefetch_related(None).filter(uscc__in=exclusions).values_list("uscc", "pk"))
    missing = [c for c in exclusions if c not in found]
    if missing:
        errors["exclusions"] = [f"不在已入驻机构名录中：{'、'.join(missing[:10])}。"]
    data["exclusions"] = [str(found[c]) for c in exclusions if c in found]
    form = RequestForm(data=_querydict(data), instance=instance, owner=owner)
    if not form.is_valid() or errors:
        for field, messages in form.errors.items():
            errors.setdefault("" if field == "__all__" else field, []).extend(messages)
        first = next(m for messages in errors.values() for m in messages)
        raise ValidationFailed(f"请按提示修改：{first}", errors=errors)
    return form.draft_data(), form.exclusion_pairs()


def _querydict(data: dict):
    from django.http import QueryDict

    qd = QueryDict(mutable=True)
    for name, value in data.items():
        if isinstance(value, list):
            qd.setlist(name, value)
        elif value is not None and not isinstance(value, (dict,)):
            qd[name] = value if not isinstance(value, bool) else ("on" if value else "")
    return qd
