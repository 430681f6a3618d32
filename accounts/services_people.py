"""Writes about people: an organisation's own users (its administrator adds, disables and
re-assigns them), county bureau staff (managed by the city bureau), passwords and the
second factor. Every change is recorded in the audit chain: `org:<organisation id>` for
changes to an organisation's people, `user:<user id>` for a person's own credentials.

Who may do what:
- an organisation administrator (`User.is_org_admin`) manages the users of their own
  organisation, never another's, never themselves out of it (they cannot disable
  themselves or take away the last administrator);
- a city bureau administrator (an administrator of a bureau of the city region) creates,
  disables and re-scopes (moves to another region's bureau) bureau staff of every region.
A new user gets no password from anybody: they receive an email link to set their own.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.bounds import clean_text, raise_if
from accounts.models import Organisation, Region, User
from audit.services import record_append
from core.exceptions import NotAllowed, ValidationFailed
from core.jurisdiction import is_city_bureau
from core.locking import lock_rows

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@+-]{3,40}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{7,20}$")


def org_chain(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def user_chain(user_id: int) -> str:
    return f"user:{user_id}"


# --- checks ------------------------------------------------------------------------------


def _org_admin_of(actor) -> Organisation:
    org = actor.organisation if actor.organisation_id else None
    if org is None or not actor.is_active or not actor.is_org_admin:
        raise NotAllowed("只有本单位管理员可以管理本单位的用户。")
    return org


def _city_bureau_admin(actor) -> Organisation:
    org = actor.organisation if actor.organisation_id else None
    if org is None or not is_city_bureau(actor) or not actor.is_org_admin or not actor.is_active:
        raise NotAllowed("只有市行政审批局的管理员可以管理县（市、区）审批局工作人员。")
    return org


def _person_fields(*, username: str | None, display_name: str, email: str, phone: str) -> dict[str, str]:
    """Bounded, trimmed person fields; raises ValidationFailed with a message per field."""
    errors: dict[str, list[str]] = {}
    out = {
        "display_name": clean_text(errors, "display_name", display_name, label="姓名", max_length=40),
        "email": clean_text(errors, "email", email, label="电子邮箱", max_length=254),
        "phone": clean_text(errors, "phone", phone, label="手机号码", max_length=20, required=False),
    }
    if username is not None:
        out["username"] = clean_text(errors, "username", username, label="用户名", max_length=40)
        if out["username"] and not USERNAME_RE.match(out["username"]):
            errors.setdefault("username", []).append("用户名为3至40位英文字母、数字或 _ . @ + -。")
        elif out["username"] and User.objects.filter(username__iexact=out["username"]).exists():
            errors.setdefault("username", []).append("该用户名已被使用。")
    if out["email"] and not _email_ok(out["email"]):
        errors.setdefault("email", []).append("电子邮箱格式不正确。")
    if out["phone"] and not PHONE_RE.match(out["phone"]):
        errors.setdefault("phone", []).append("手机号码格式不正确。")
    raise_if(errors)
    return out


def _email_ok(value: str) -> bool:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def password_setup_link(*, user: User) -> str:
    """The path of a one-time link with which `user` sets their password (Django's reset
    token: valid for PASSWORD_RESET_TIMEOUT, void once a password is set)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def _send_setup_link(user: User, *, organisation: Organisation) -> None:
    link = settings.SITE_URL.rstrip("/") + password_setup_link(user=user)
    body = (
        f"{user.display_name}：\n\n{organisation.name}已为您开通宜春市网上中介服务超市账号，用户名：{user.username}。\n"
        f"请在3天内打开下面的链接设置登录密码：\n\n{link}\n\n如非本人操作，请忽略本邮件。\n"
    )
    transaction.on_commit(lambda: send_mail("【宜春市网上中介服务超市】设置登录密码", body, None, [user.email]))


def _create_user(*, organisation: Organisation, fields: dict[str, str], is_org_admin: bool = False) -> User:
    user = User(organisation=organisation, is_org_admin=is_org_admin, **fields)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationFailed("该用户名已被使用。", errors={"username": ["该用户名已被使用。"]}) from None
    return user


# --- an organisation's own users ---------------------------------------------------------


@transaction.atomic
def member_add(*, actor, username: str, display_name: str, email: str, phone: str = "") -> User:
    """The organisation administrator adds a user (经办人) to their organisation; the new
    user is emailed a link to set a password. Audited in `org:<id>`."""
    org = _org_admin_of(actor)
    fields = _person_fields(username=username, display_name=display_name, email=email, phone=phone)
    lock_rows(Organisation.objects.filter(pk=org.pk)).first()
    user = _create_user(organisation=org, fields=fields)
    record_append(chain=org_chain(org.pk), kind="member_added", actor=actor,
                  data={"user": user.pk, "username": user.username, "name": user.display_name})
    _send_setup_link(user, organisation=org)
    return user


def _member_for_update(actor, user_id) -> tuple[Organisation, User]:
    org = _org_admin_of(actor)
    lock_rows(Organisation.objects.filter(pk=org.pk)).first()
    member = lock_rows(User.objects.filter(pk=_int_id(user_id), organisation=org)).first()
    if member is None:
        raise NotAllowed("该用户不属于本单位。")
    return org, member


def _active_admins(org: Organisation) -> int:
    return User.objects.filter(organisation=org, is_org_admin=True, is_active=True).count()


@transaction.atomic
def member_set_active(*, actor, user_id, active: bool) -> User:
    """Disable (or enable again) a user of the administrator's organisation. A disabled
    user cannot log in, and their open sockets close within seconds. An administrator
    cannot disable themselves, so an organisation always keeps one."""
    org, member = _member_for_update(actor, user_id)
    if member.pk == actor.pk and not active:
        raise ValidationFailed("不能停用自己的账号。")
    if member.is_active == active:
        return member
    member.is_active = active
    member.save(update_fields=["is_active"])
    record_append(chain=org_chain(org.pk), kind="member_enabled" if active else "member_disabled", actor=actor,
                  data={"user": member.pk, "username": member.username})
    return member


@transaction.atomic
def member_set_admin(*, actor, user_id, is_admin: bool) -> User:
    """Re-assign the administrator role inside the organisation: make a user an
    administrator, or take it away (never from the last active administrator)."""
    org, member = _member_for_update(actor, user_id)
    if member.is_org_admin == is_admin:
        return member
    if not is_admin and member.is_active and _active_admins(org) <= 1:
        raise ValidationFailed("本单位至少需要一名管理员，请先指定新的管理员。")
    if is_admin and not member.is_active:
        raise ValidationFailed("已停用的账号不能设为管理员。")
    member.is_org_admin = is_admin
    member.save(update_fields=["is_org_admin"])
    record_append(chain=org_chain(org.pk), kind="admin_granted" if is_admin else "admin_revoked", actor=actor,
                  data={"user": member.pk, "username": member.username})
    return member


@transaction.atomic
def member_update(*, actor, user_id, display_name: str, email: str, phone: str = "") -> User:
    """Correct a user's name and contact details (re-assigning a desk to another person is
    adding that person and disabling the old account: an account is one person)."""
    org, member = _member_for_update(actor, user_id)
    fields = _person_fields(username=None, display_name=display_name, email=email, phone=phone)
    before = {k: getattr(member, k) for k in fields}
    for key, value in fields.items():
        setattr(member, key, value)
    member.save(update_fields=list(fields))
    changed = {k: [before[k], v] for k, v in fields.items() if before[k] != v}
    if changed:
        record_append(chain=org_chain(org.pk), kind="member_updated", actor=actor,
                      data={"user": member.pk, "changed": changed})
    return member


# --- bureau staff (city bureau manages every region's) -------------------------------------


def bureau_of_region(region: Region) -> Organisation:
    """The bureau organisation of `region`, created on first use (one per region)."""
    org = Organisation.objects.filter(kind=Organisation.Kind.BUREAU, region=region).order_by("pk").first()
    if org is None:
        org = Organisation.objects.create(kind=Organisation.Kind.BUREAU, name=f"{region.name}行政审批局", region=region)
    return org


def _region(code) -> Region:
    region = Region.objects.filter(pk=str(code or "")[:6]).first()
    if region is None:
        raise ValidationFailed("请选择区划。", errors={"region": ["请选择区划。"]})
    return region


@transaction.atomic
def bureau_staff_create(*, actor, region_code: str, username: str, display_name: str, email: str,
                        phone: str = "", is_org_admin: bool = False) -> User:
    """A city bureau administrator opens an account for bureau staff of a region (a county,
    zone or the city itself); the person is emailed a link to set a password."""
    city = _city_bureau_admin(actor)
    region = _region(region_code)
    fields = _person_fields(username=username, display_name=display_name, email=email, phone=phone)
    org = bureau_of_region(region)
    lock_rows(Organisation.objects.filter(pk=org.pk)).first()
    user = _create_user(organisation=org, fields=fields, is_org_admin=bool(is_org_admin))
    data = {"user": user.pk, "username": user.username, "name": user.display_name, "region": region.code,
            "org_admin": user.is_org_admin}
    record_append(chain=org_chain(org.pk), kind="bureau_staff_created", actor=actor, data=data)
    if org.pk != city.pk:
        record_append(chain=org_chain(city.pk), kind="bureau_staff_created", actor=actor, data=data)
    _send_setup_link(user, organisation=org)
    return user


def _bureau_staff_for_update(actor, user_id) -> tuple[Organisation, User]:
    city = _city_bureau_admin(actor)
    staff = lock_rows(User.objects.select_related("organisation").filter(
        pk=_int_id(user_id), organisation__kind=Organisation.Kind.BUREAU)).first()
    if staff is None:
        raise NotAllowed("该用户不是审批局工作人员。")
    return city, staff


@transaction.atomic
def bureau_staff_set_active(*, actor, user_id, active: bool) -> User:
    city, staff = _bureau_staff_for_update(actor, user_id)
    if staff.pk == actor.pk and not active:
        raise ValidationFailed("不能停用自己的账号。")
    if staff.is_active == active:
        return staff
    staff.is_active = active
    staff.save(update_fields=["is_active"])
    kind = "member_enabled" if active else "member_disabled"
    data = {"user": staff.pk, "username": staff.username, "region": staff.organisation.region_id}
    record_append(chain=org_chain(staff.organisation_id), kind=kind, actor=actor, data=data)
    if staff.organisation_id != city.pk:
        record_append(chain=org_chain(city.pk), kind=kind, actor=actor, data=data)
    return staff


@transaction.atomic
def bureau_staff_rescope(*, actor, user_id, region_code: str) -> User:
    """Move a bureau officer to another region's bureau: from then on they see and act on
    that region only (the city region: everywhere). Their open sockets re-check at once."""
    city, staff = _bureau_staff_for_update(actor, user_id)
    region = _region(region_code)
    if staff.pk == actor.pk:
        raise ValidationFailed("不能调整自己的管辖区划。")
    before = staff.organisation
    if before.region_id == region.code:
        return staff
    target = bureau_of_region(region)
    staff.organisation = target
    staff.save(update_fields=["organisation"])
    data = {"user": staff.pk, "username": staff.username, "from": before.region_id, "to": region.code}
    for chain_org in {before.pk, target.pk, city.pk}:
        record_append(chain=org_chain(chain_org), kind="bureau_staff_rescoped", actor=actor, data=data)
    return staff


# --- credentials: passwords and the second factor -----------------------------------------


@transaction.atomic
def user_password_changed(*, user, via: str) -> None:
    """Record that `user` changed (`via="change"`) or reset (`via="reset"`) their
    password. Their other sessions are void already (the session hash changed), and their
    sockets re-check after commit (the user's save broadcasts it)."""
    lock_rows(User.objects.filter(pk=user.pk)).first()
    record_append(chain=user_chain(user.pk), kind="password_reset" if via == "reset" else "password_changed",
                  actor=user)


def otp_device_pending(*, user):
    """The user's unconfirmed TOTP device, made on first use (one at a time)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=False)
    return device


@transaction.atomic
def otp_device_confirm(*, request, device, token: str) -> bool:
    """Confirm a pending TOTP device with a code from the app; it replaces any earlier
    device and marks this session as having passed the second factor. Audited."""
    import django_otp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    lock_rows(User.objects.filter(pk=user.pk)).first()
    device = TOTPDevice.objects.filter(pk=device.pk, user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    django_otp.login(request, device)
    record_append(chain=user_chain(user.pk), kind="second_factor_enrolled", actor=user)
    return True


def otp_session_verify(*, request, token: str) -> bool:
    """Check a code against the user's confirmed devices (django-otp throttles repeated
    failures per device); on success the session has passed the second factor."""
    import django_otp

    device = django_otp.match_token(request.user, token)
    if device is None:
        return False
    django_otp.login(request, device)
    return True


def _int_id(value) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise NotAllowed("用户不存在。") from None
    if number <= 0 or number > 2**62:
        raise NotAllowed("用户不存在。")
    return number
