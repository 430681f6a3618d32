"""API keys: creation (shown once), hashing, lookup in constant time, revocation, and the
platform user a key acts as for an organisation."""

import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organisation, Region, User
from audit.services import record_append
from core.exceptions import InvalidState, NotAllowed, NotFound, ValidationFailed
from core.jurisdiction import bureau_covers, is_bureau
from core.locking import lock_rows
from core.text import text_clean
from core.uscc import normalize_uscc
from docking.models import ApiKey, ApiKeyActor, Scope

KEY_PREFIX = "yczj"
CHAIN = "api-keys"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _split(key: str) -> tuple[str, str] | None:
    # yczj_<prefix>.<secret>
    if not key.startswith(KEY_PREFIX + "_") or "." not in key:
        return None
    prefix, _, secret = key[len(KEY_PREFIX) + 1:].partition(".")
    if not prefix or not secret or len(prefix) > 16:
        return None
    return prefix, secret


def scopes_clean(scopes) -> list[str]:
    if isinstance(scopes, str):
        scopes = [s for s in (part.strip() for part in scopes.split(",")) if s]
    unknown = [s for s in scopes if s not in Scope.values]
    if not scopes or unknown:
        message = f"权限范围应为以下一项或多项：{', '.join(Scope.values)}。" + (f"未知：{', '.join(unknown)}。" if unknown else "")
        raise ValidationFailed(message, errors={"scopes": [message]})
    return sorted(set(scopes), key=Scope.values.index)


def _may_issue(user, *, organisation: Organisation, county: Region | None) -> bool:
    """Bureau staff issue keys: city staff any, county staff for their county's
    organisations and platform. `user` None is the command line (the server's operator)."""
    if user is None:
        return True
    if not is_bureau(user):
        return False
    region = county.code if county is not None else organisation.region_id
    return bureau_covers(user=user, region_id=region)


@transaction.atomic
def apikey_create(*, user, uscc: str, scopes, name: str = "", county_code: str = "",
                  rate_per_minute: int = 0) -> tuple[ApiKey, str]:
    """Issue a key for the organisation with unified social credit code `uscc` (a county
    platform's key with `county_code`). Returns the key row and the key itself, which is
    never stored and cannot be shown again.

    A county key's organisation must be of that county (or the city) and the county a
    county-level division; an owner or intermediary key acts as that organisation.
    """
    uscc = normalize_uscc(uscc or "")
    org = Organisation.objects.select_related("region").filter(uscc=uscc).first() if uscc else None
    if org is None:
        raise ValidationFailed("未找到该统一社会信用代码的机构。", errors={"uscc": ["未找到该统一社会信用代码的机构。"]})
    scopes = scopes_clean(scopes)
    county = None
    if county_code:
        county = Region.objects.filter(code=county_code.strip()).first()
        if county is None or county.is_city:
            raise ValidationFailed("县级平台须指定县（市、区）或功能区的区划代码。",
                                   errors={"county": ["县级平台须指定县（市、区）或功能区的区划代码。"]})
        if not (org.region_id == county.code or org.region.is_city):
            raise ValidationFailed("县级平台的运营机构须属于该县（市、区）。",
                                   errors={"uscc": ["县级平台的运营机构须属于该县（市、区）。"]})
        if Scope.BIDS_WRITE in scopes:
            raise ValidationFailed("县级平台密钥不能代中介机构报名竞价。", errors={"scopes": ["县级平台密钥不能含 bids:write。"]})
    else:
        if Scope.REQUESTS_WRITE in scopes and not org.is_owner:
            raise ValidationFailed("只有项目业主的密钥可以写入采购需求。", errors={"scopes": ["只有项目业主的密钥可以含 requests:write。"]})
        if Scope.BIDS_WRITE in scopes and not org.is_intermediary:
            raise ValidationFailed("只有中介机构的密钥可以报名竞价。", errors={"scopes": ["只有中介机构的密钥可以含 bids:write。"]})
    if not _may_issue(user, organisation=org, county=county):
        raise NotAllowed("只有负责该区划的行政审批局可以签发接口密钥。")
    name = text_clean(name, field="name", label="名称", max_length=80, multiline=False) or (
        f"{county.name}县级平台" if county else org.name)
    if not 0 <= int(rate_per_minute or 0) <= 100000:
        raise ValidationFailed("每分钟请求上限应在0至100000之间。", errors={"rate_per_minute": ["应在0至100000之间。"]})
    for _attempt in range(5):
        prefix = secrets.token_hex(5)
        key = f"{KEY_PREFIX}_{prefix}.{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                row = ApiKey.objects.create(prefix=prefix, secret_hash=key_digest(key), name=name, organisation=org,
                                            county=county, scopes=scopes, created_by=user,
                                            rate_per_minute=int(rate_per_minute or 0))
            break
        except IntegrityError:
            continue  # a prefix collision: draw another
    else:  # pragma: no cover - 5 collisions of 40 random bits
        raise InvalidState("密钥生成失败，请重试。")
    if county is None:
        actor_for(key=row, organisation=org)
    record_append(chain=CHAIN, kind="api_key_created", actor=user,
                  data={"key": prefix, "organisation": org.uscc, "county": county.code if county else None,
                        "scopes": scopes})
    return row, key


@transaction.atomic
def apikey_revoke(*, user, key_id: int) -> ApiKey:
    """Revoke a key at once; its uses stay on record."""
    row = lock_rows(ApiKey.objects.select_related("organisation", "county").filter(pk=key_id)).first()
    if row is None:
        raise NotFound("接口密钥不存在。")
    if not _may_issue(user, organisation=row.organisation, county=row.county):
        raise NotAllowed("只有负责该区划的行政审批局可以吊销接口密钥。")
    if row.revoked_at is not None:
        raise InvalidState("该密钥已吊销。")
    row.revoked_at, row.revoked_by = timezone.now(), user
    row.save(update_fields=["revoked_at", "revoked_by"])
    record_append(chain=CHAIN, kind="api_key_revoked", actor=user, data={"key": row.prefix})
    return row


def apikey_find(key: str) -> ApiKey | None:
    """The active key `key` names, or None. Compares the whole key's SHA-256 in constant time."""
    parts = _split(key or "")
    if parts is None:
        return None
    row = ApiKey.objects.select_related("organisation", "organisation__region", "county").filter(prefix=parts[0]).first()
    # Compare even when no row matched, so timing does not tell a known prefix apart.
    stored = row.secret_hash if row is not None else "0" * 64
    if not hmac.compare_digest(stored, key_digest(key)) or row is None or row.revoked_at is not None:
        return None
    return row


def actor_for(*, key: ApiKey, organisation: Organisation) -> User:
    """The user `key` acts as for `organisation`, created on first need. It cannot log in
    (no usable password, inactive), and the audit chain names it after the key."""
    found = ApiKeyActor.objects.select_related("user", "user__organisation").filter(
        key=key, organisation=organisation).first()
    if found is not None:
        return found.user
    try:
        with transaction.atomic():
            user = User(username=f"apikey-{key.prefix}-{organisation.pk}", organisation=organisation,
                        display_name=f"接口密钥{key.prefix}", is_active=False)
            user.set_unusable_password()
            user.save()
            ApiKeyActor.objects.create(key=key, organisation=organisation, user=user)
            return user
    except IntegrityError:
        return ApiKeyActor.objects.select_related("user").get(key=key, organisation=organisation).user
