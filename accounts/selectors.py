"""Reads of accounts: whether a session is still a valid login, owners' right to publish."""

from __future__ import annotations

import time
from types import SimpleNamespace

from django.conf import settings

SESSION_STARTED_KEY = "_auth_started_at"
SESSION_SEEN_KEY = "_auth_seen_at"


def session_times_ok(data, *, now: float | None = None) -> bool:
    """Whether a logged-in session is inside its absolute (SESSION_MAX_AGE_SECONDS) and
    idle (SESSION_IDLE_SECONDS) limits. A session without stamps (made before the stamps
    existed, or by `force_login` in tests) counts from now: it is let through once and the
    middleware stamps it."""
    now = time.time() if now is None else now
    started = data.get(SESSION_STARTED_KEY)
    seen = data.get(SESSION_SEEN_KEY)
    if isinstance(started, (int, float)) and now - started > settings.SESSION_MAX_AGE_SECONDS:
        return False
    if isinstance(seen, (int, float)) and now - seen > settings.SESSION_IDLE_SECONDS:
        return False
    return True


def session_login_valid(*, session_key: str | None, user_id: int) -> bool:
    """Whether the session `session_key` is still a valid login of user `user_id`: the
    session exists and has not expired, names that user through a configured backend, its
    password hash still matches (a password change ends every other session), the user is
    active, the time limits hold and, where a second factor is required, it was given.

    Reads the session store and the user afresh (one or two queries); used by sockets,
    which otherwise keep the user they were opened with.
    """
    from django.contrib import auth
    from django.utils.module_loading import import_string

    if not session_key:
        return False
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key=session_key)
    # Read-only probe: `get_user` flushes a session whose hash no longer matches, which is
    # what Django does on the next HTTP request too.
    user = auth.get_user(SimpleNamespace(session=store))
    if not user.is_authenticated or user.pk != user_id or not user.is_active:
        return False
    if not session_times_ok(store):
        return False
    return second_factor_satisfied(user=user, session=store)


def session_login_fingerprint(*, session_key: str | None, user_id: int) -> tuple | None:
    """What `session_login_valid` reads from the database, in one statement without the ORM
    (for a check at every bid): (session data as stored, the user's password hash, whether
    the user is active), or None when the session is gone or expired. Equal to a
    fingerprint taken when the full check passed, it means nothing that check reads from
    these rows has changed since; the caller still checks the session's time limits."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone

    if not session_key or not settings.SESSION_ENGINE.endswith("sessions.backends.db"):
        return None
    user_model = get_user_model()
    qn = connection.ops.quote_name
    sql = (f"SELECT s.{qn('session_data')}, u.{qn('password')}, u.{qn('is_active')} "
           f"FROM {qn(Session._meta.db_table)} s, {qn(user_model._meta.db_table)} u "
           f"WHERE s.{qn('session_key')} = %s AND s.{qn('expire_date')} > %s "
           f"AND u.{qn(user_model._meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [session_key, connection.ops.adapt_datetimefield_value(timezone.now()), user_id])
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], bool(row[2]))


def second_factor_required(user) -> bool:
    """Whether `user` must pass a TOTP second factor (REQUIRE_2FA_FOR_STAFF is on and the
    user is bureau staff, an organisation's administrator or back-office staff)."""
    return bool(getattr(settings, "REQUIRE_2FA_FOR_STAFF", False)) and is_privileged(user)


def is_privileged(user) -> bool:
    """Bureau staff, organisation administrators and back-office (admin) staff: the people
    who need the longer password and, where required, the second factor."""
    if not getattr(user, "is_authenticated", True):
        return False
    if user.is_staff or user.is_superuser or getattr(user, "is_org_admin", False):
        return True
    org = getattr(user, "organisation", None) if getattr(user, "organisation_id", None) else None
    return bool(org is not None and org.is_bureau)


def second_factor_satisfied(*, user, session) -> bool:
    """Whether the session has passed the second factor, or the user needs none."""
    if not second_factor_required(user):
        return True
    from django_otp import DEVICE_ID_SESSION_KEY

    return bool(session.get(DEVICE_ID_SESSION_KEY))


# --- owners' registration ------------------------------------------------------------


def owner_may_publish(*, organisation) -> bool:
    """Whether an owner organisation may publish: its registration (项目业主注册) has been
    approved, or it has none because the bureau set it up itself."""
    from accounts.models import OwnerApplication

    status = OwnerApplication.objects.filter(organisation_id=organisation.pk).values_list("status", flat=True).first()
    return status is None or status == OwnerApplication.Status.APPROVED


def owner_applications_visible(*, user):
    """The owner registrations bureau officer `user` may review (their region's; the city
    bureau: all), newest first; nothing for anyone else."""
    from accounts.models import OwnerApplication
    from core.jurisdiction import bureau_filter

    qs = OwnerApplication.objects.select_related("organisation", "organisation__region", "applicant")
    return bureau_filter(qs, user=user, field="organisation__region_id")


# --- the province's unified identity system (OIDC) --------------------------------------


def oidc_user_for_claims(*, claims: dict):
    """The active user an identity of the province's system stands for, or None.

    - With a unified social credit code (claim OIDC_CLAIM_USCC): the organisation with that
      code; in it the user with the identity's resident ID number (claim
      OIDC_CLAIM_ID_NUMBER) if given, else the organisation's first active administrator
      (a legal-person login acts as the unit).
    - With a resident ID number alone: the user registered with that number.
    Malformed codes and numbers match nobody.
    """
    from accounts.models import Organisation, User
    from core.idnumber import id_number_is_valid, id_number_normalize
    from core.uscc import normalize_uscc, uscc_is_valid

    def claim(name: str) -> str:
        value = claims.get(name) if isinstance(claims, dict) else None
        return value.strip() if isinstance(value, str) and len(value) <= 40 else ""

    code = normalize_uscc(claim(settings.OIDC_CLAIM_USCC))
    number = id_number_normalize(claim(settings.OIDC_CLAIM_ID_NUMBER))
    code = code if uscc_is_valid(code) else ""
    number = number if id_number_is_valid(number) else ""
    active = User.objects.filter(is_active=True).order_by("pk")
    if code:
        org = Organisation.objects.filter(uscc=code).first()
        if org is None:
            return None
        if number:
            return active.filter(organisation=org, id_number=number).first()
        return active.filter(organisation=org, is_org_admin=True).first()
    if number:
        return active.filter(id_number=number).first()
    return None
