"""Login (a CAPTCHA after failures of one username from one address), logout, the inbox,
password change and reset (Django's views, Chinese templates, audited), the second factor."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import LoginForm, ResetRequestForm, TokenForm
from accounts.models import Notification
from accounts.services import notifications_mark_read
from accounts.services_people import (
    otp_device_confirm,
    otp_device_pending,
    otp_session_verify,
    user_password_changed,
)


def _safe_next(request) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return ""
    return next_url


@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request):
    next_url = _safe_next(request)
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            login(request, form.get_user())
            return redirect(next_url or "market:dashboard")
        form.refresh_captcha_need()
        status = 400
    from django.conf import settings

    return render(request, "accounts/login.html", {
        "form": form, "next": next_url,
        "oidc_enabled": settings.OIDC_ENABLED, "oidc_label": settings.OIDC_LOGIN_LABEL,
    }, status=status)


@require_POST
def logout_view(request):
    logout(request)  # user_logged_out closes this session's sockets (accounts.signals)
    return redirect("market:announcement_list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inbox(request):
    org = request.user.organisation
    if org is None:
        return render(request, "accounts/inbox.html", {"notifications": []})
    if request.method == "POST":
        notifications_mark_read(organisation=org)
        return redirect("accounts:inbox")
    notifications = Notification.objects.filter(organisation=org)[:100]
    return render(request, "accounts/inbox.html", {"notifications": notifications})


# --- passwords ------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view; the change is audited and ends the user's other sessions and sockets."""

    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed(user=self.request.user, via="change")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Sends the reset link to the address on file. Says the same whether or not an
    account has that address; an address asking too often must solve a CAPTCHA."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = ResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form(self, form_class=None):
        from django.conf import settings

        form = super().get_form(form_class)
        form.setup_captcha(request=self.request, limit=settings.REGISTRATIONS_PER_HOUR)
        return form

    def form_valid(self, form):
        form.count_attempt()
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed(user=form.user, via="reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- second factor (TOTP) ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def otp_setup(request):
    """Enrol an authenticator app: scan the QR code (drawn here, as SVG) and confirm with a
    code. A user who already has a device must pass it first (`otp_verify`) to replace it."""
    from django_otp import user_has_device

    if user_has_device(request.user) and not request.user.is_verified():
        return redirect(reverse("accounts:otp_verify") + "?" + request.GET.urlencode())
    device = otp_device_pending(user=request.user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and otp_device_confirm(request=request, device=device, token=form.cleaned_data["token"]):
            messages.success(request, "已启用动态验证码登录。")
            return redirect(_safe_next(request) or "market:dashboard")
        if form.is_valid():
            form.add_error("token", "动态验证码不正确，请核对手机时间后重试。")
        status = 400
    import segno

    qr = segno.make(device.config_url, error="m")
    return render(request, "accounts/otp_setup.html", {
        "form": form, "qr_svg": qr.svg_inline(scale=5, dark="#1f2d3d"), "secret": _grouped(device.bin_key),
        "next": _safe_next(request),
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def otp_verify(request):
    from django_otp import user_has_device

    if not user_has_device(request.user):
        return redirect(reverse("accounts:otp_setup") + "?" + request.GET.urlencode())
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and otp_session_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_safe_next(request) or "market:dashboard")
        if form.is_valid():
            form.add_error("token", "动态验证码不正确或已过期，请重试。")
        status = 400
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)}, status=status)


def _grouped(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))
