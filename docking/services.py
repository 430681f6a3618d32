"""Writes of docking: the record of key uses, the county push (idempotent by external id)
and webhook subscriptions. Each write to a request goes through the market's own services
(`docking.ports`), with the same rules as the web pages."""

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organisation, Region
from audit.services import record_append
from core.exceptions import InvalidState, NotAllowed, NotFound, ValidationFailed
from core.locking import lock_rows
from core.text import text_clean
from core.uscc import normalize_uscc, uscc_problem
from docking import ports
from docking.keys import actor_for
from docking.models import ApiKey, ApiKeyUse, ExternalRequest, WebhookSubscription
from market.models import ServiceRequest


def key_use_record(*, key: ApiKey, method: str, operation: str, path: str, status: int) -> None:
    """Record one use of `key` (key, time, operation, answer). `last_used_at` is written at
    most once a minute, so a busy key does not rewrite its row on every call."""
    now = timezone.now()
    ApiKeyUse.objects.create(key=key, at=now, method=method[:8], operation=operation[:120], path=path[:300],
                             status=status)
    if key.last_used_at is None or now - key.last_used_at > timedelta(seconds=60):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


# ---------------------------------------------------------------------------------------
# County push


def county_owner_resolve(*, key: ApiKey, owner: dict[str, Any]) -> Organisation:
    """The owner organisation a county push names by its unified social credit code:
    found (an owner of the key's county), or registered as a new owner of that county with
    the name and contact the push gives. An existing organisation of another county, or
    one that is not a project owner, is refused: a county acts only for its own owners."""
    if not isinstance(owner, dict):
        raise ValidationFailed("请提供项目业主（owner）信息。", errors={"owner": ["请提供项目业主（owner）信息。"]})
    uscc = normalize_uscc(str(owner.get("uscc") or ""))
    problem = uscc_problem(uscc)
    if problem is not None:
        raise ValidationFailed(problem[1], errors={"owner.uscc": [problem[1]]})
    org = Organisation.objects.select_related("region").filter(uscc=uscc).first()
    if org is not None:
        if not org.is_owner:
            raise NotAllowed("该统一社会信用代码属于非项目业主机构，县级平台不能代其发布。", code="not_county_owner")
        if org.region_id != key.county_id:
            raise NotAllowed(f"该项目业主属于{org.region.name}，不属于本县级平台（{key.county.name}）。",
                             code="not_county_owner")
        return org
    name = text_clean(owner.get("name"), field="owner.name", label="业主名称", max_length=120, required=True,
                      multiline=False)
    contact = text_clean(owner.get("contact_name"), field="owner.contact_name", label="联系人", max_length=40,
                         multiline=False)
    phone = text_clean(owner.get("phone"), field="owner.phone", label="联系电话", max_length=30, multiline=False)
    try:
        with transaction.atomic():
            org = Organisation.objects.create(kind=Organisation.Kind.OWNER, name=name, uscc=uscc, region=key.county,
                                              contact_name=contact, phone=phone)
    except IntegrityError:  # registered by a concurrent push
        return county_owner_resolve(key=key, owner=owner)
    record_append(chain=f"county:{key.county_id}", kind="county_owner_registered", actor=None,
                  data={"key": key.prefix, "uscc": uscc, "name": name})
    return org


def _same_draft(request: ServiceRequest, data: dict[str, Any], exclusions: list[tuple[int, str]]) -> bool:
    for name, value in data.items():
        current = getattr(request, name)
        if hasattr(current, "pk"):
            current = current.pk
        if hasattr(value, "pk"):
            value = value.pk
        if current != value:
            return False
    stored = sorted(request.exclusions.values_list("organisation_id", "reason"))
    return stored == sorted(exclusions)


def county_request_push(*, key: ApiKey, external_id: str, owner: Organisation, data: dict[str, Any],
                        exclusions: list[tuple[int, str]], publish: bool) -> tuple[ServiceRequest, bool]:
    """Create or update the county's request `external_id` (the county system's own id)
    as a draft of `owner`, through `request_draft_save`, and publish it with `publish`
    through `request_publish`. Idempotent: the same push again changes nothing; a push
    that would change a request already published is refused (409). Returns the request
    and whether it was created.

    Precondition: `data` is the owner's form, cleaned (`docking.forms`), and its region is
    the key's county.
    """
    if not key.is_county:
        raise NotAllowed("只有县级平台密钥可以按县级系统编号推送项目。", code="not_county_key")
    external_id = text_clean(external_id, field="external_id", label="县级系统编号", max_length=64, required=True,
                             multiline=False)
    if data.get("region") is not None and getattr(data["region"], "pk", data["region"]) != key.county_id:
        raise ValidationFailed("县级平台只能推送本县（市、区）的项目。", errors={"region": ["项目所在区划须为本县（市、区）。"]})
    user = actor_for(key=key, organisation=owner)
    for attempt in range(2):
        try:
            with transaction.atomic():
                mapping = lock_rows(ExternalRequest.objects.select_related("request").filter(
                    county_id=key.county_id, external_id=external_id)).first()
                created = mapping is None
                if created:
                    req = ports.request_draft_save(user=user, data=data, exclusions=exclusions)
                    ExternalRequest.objects.create(county_id=key.county_id, external_id=external_id, request=req, key=key)
                else:
                    req = mapping.request
                    if req.owner_id != owner.pk:
                        raise InvalidState("该县级系统编号的项目属于另一项目业主，不能更换业主。", code="owner_mismatch")
                    user = actor_for(key=key, organisation=req.owner)
                    if req.status == ServiceRequest.Status.DRAFT:
                        if not _same_draft(req, data, exclusions):
                            req = ports.request_draft_save(user=user, data=data, exclusions=exclusions,
                                                           request_id=req.pk)
                    elif not _same_draft(req, data, exclusions):
                        raise InvalidState("该项目已发布，不能再修改；请通过取消或流标后重新发布处理。",
                                           code="already_published")
                if publish and req.status == ServiceRequest.Status.DRAFT:
                    req = ports.request_publish(request_id=req.pk, user=user)
                return req, created
        except IntegrityError:
            if attempt:
                raise
            continue  # a concurrent push created the mapping first: update it instead
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------
# Webhook subscriptions

MAX_SUBSCRIPTIONS = 20


def _subscriber_scope(key: ApiKey) -> dict:
    return {"organisation_id": key.organisation_id, "county_id": key.county_id}


def webhook_subscribe(*, key: ApiKey, url: str, events: list[str]) -> WebhookSubscription:
    """Register a subscription for the key's organisation (or county platform). The
    secret is returned once, in the answer to this call."""
    import secrets

    from docking.webhooks import EVENT_TYPES, url_problem

    url = text_clean(url, field="url", label="接收地址", max_length=500, required=True, multiline=False)
    problem = url_problem(url)
    if problem:
        raise ValidationFailed(problem, errors={"url": [problem]})
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise ValidationFailed("请选择要订阅的事件。", errors={"events": ["请至少订阅一个事件。"]})
    unknown = sorted({e for e in events if e not in EVENT_TYPES})
    if unknown:
        message = f"未知事件：{', '.join(unknown)}；可订阅：{', '.join(EVENT_TYPES)}。"
        raise ValidationFailed(message, errors={"events": [message]})
    scope = _subscriber_scope(key)
    with transaction.atomic():
        lock_rows(Organisation.objects.filter(pk=key.organisation_id)).first()
        live = WebhookSubscription.objects.filter(**scope).exclude(status=WebhookSubscription.Status.DELETED)
        if live.count() >= MAX_SUBSCRIPTIONS:
            raise InvalidState(f"每个机构最多{MAX_SUBSCRIPTIONS}个订阅。", code="too_many_subscriptions")
        sub = WebhookSubscription.objects.create(key=key, url=url, events=sorted(set(events), key=EVENT_TYPES.index),
                                                 secret=secrets.token_hex(32), **scope)
        record_append(chain=f"webhooks:{key.organisation_id}", kind="webhook_subscribed", actor=None,
                      data={"key": key.prefix, "subscription": sub.pk, "url": url, "events": sub.events})
    return sub


def subscriptions_of(key: ApiKey):
    return WebhookSubscription.objects.filter(**_subscriber_scope(key)).exclude(
        status=WebhookSubscription.Status.DELETED)


def _own_subscription(key: ApiKey, subscription_id) -> WebhookSubscription:
    sub = lock_rows(subscriptions_of(key).filter(pk=subscription_id)).first() if str(subscription_id).isdigit() else None
    if sub is None:
        raise NotFound("订阅不存在。")
    return sub


@transaction.atomic
def webhook_unsubscribe(*, key: ApiKey, subscription_id) -> None:
    sub = _own_subscription(key, subscription_id)
    sub.status = WebhookSubscription.Status.DELETED
    sub.save(update_fields=["status"])
    record_append(chain=f"webhooks:{key.organisation_id}", kind="webhook_unsubscribed", actor=None,
                  data={"key": key.prefix, "subscription": sub.pk})


@transaction.atomic
def webhook_resume(*, key: ApiKey, subscription_id) -> WebhookSubscription:
    """Resume a subscription paused after a day of failures (its owner fixed the receiver)."""
    sub = _own_subscription(key, subscription_id)
    if sub.status != WebhookSubscription.Status.PAUSED:
        raise InvalidState("该订阅未暂停。")
    sub.status, sub.failing_since, sub.paused_at = WebhookSubscription.Status.ACTIVE, None, None
    sub.save(update_fields=["status", "failing_since", "paused_at"])
    return sub


def county_region(key: ApiKey) -> Region | None:
    return key.county
