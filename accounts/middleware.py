"""Session limits and the second factor, enforced on every HTTP request.

`SessionLimitsMiddleware` (after MessageMiddleware): a login lasts at most
SESSION_MAX_AGE_SECONDS (12 h) and ends after SESSION_IDLE_SECONDS (2 h) without a request;
activity is stamped at most once a minute, so a busy page does not write its session on
every request.

`SecondFactorMiddleware` (after django-otp's OTPMiddleware): while REQUIRE_2FA_FOR_STAFF is
on, bureau staff, organisation administrators and back-office staff reach nothing but the
second-factor pages (enrol, verify), logout and static files until their session has passed
a TOTP code. The Django admin is behind the same rule.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from accounts.selectors import (
    SESSION_SEEN_KEY,
    SESSION_STARTED_KEY,
    second_factor_required,
    session_times_ok,
)

SEEN_RESOLUTION_SECONDS = 60


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            if not session_times_ok(session, now=now):
                logout(request)
                messages.info(request, "登录已超时，请重新登录。")
            elif SESSION_STARTED_KEY not in session:
                session[SESSION_STARTED_KEY] = int(now)
                session[SESSION_SEEN_KEY] = int(now)
            elif now - session.get(SESSION_SEEN_KEY, 0) >= SEEN_RESOLUTION_SECONDS:
                session[SESSION_SEEN_KEY] = int(now)
        return self.get_response(request)


def _exempt(path: str) -> bool:
    prefixes = (reverse("accounts:otp_verify"), reverse("accounts:otp_setup"), reverse("accounts:logout"),
                settings.STATIC_URL, "/captcha/", "/healthz")
    return path.startswith(prefixes)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and second_factor_required(user)
            and not user.is_verified()
            and not _exempt(request.path)
        ):
            from django_otp import user_has_device

            target = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_setup"
            url = reverse(target)
            if request.method == "GET":
                url += "?" + _next_query(request.get_full_path())
            return redirect(url)
        return self.get_response(request)


def _next_query(path: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": path})
