"""Login (throttled), logout and the inbox."""

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Notification
from accounts.services import (
    login_failure_record,
    login_failures_clear,
    login_is_throttled,
    notifications_mark_read,
)


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    error = ""
    status = 200
    username = ""
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()[:150]
        password = request.POST.get("password") or ""
        ip = _client_ip(request)
        if not username or not password:
            error, status = "请输入用户名和密码。", 400
        elif login_is_throttled(username=username, ip=ip):
            error, status = "登录失败次数过多，请15分钟后再试。", 429
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                login_failure_record(username=username, ip=ip)
                error, status = "用户名或密码错误。", 400
            else:
                login_failures_clear(username=username)
                login(request, user)
                return redirect(next_url or "market:dashboard")
    return render(request, "accounts/login.html", {"error": error, "next": next_url, "username": username}, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("market:announcement_list")


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request):
    org = request.user.organisation
    if org is None:
        return render(request, "accounts/inbox.html", {"notifications": []})
    if request.method == "POST":
        notifications_mark_read(organisation=org)
        return redirect("accounts:inbox")
    notifications = Notification.objects.filter(organisation=org)[:100]
    return render(request, "accounts/inbox.html", {"notifications": notifications})
