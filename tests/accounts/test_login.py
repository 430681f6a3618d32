"""Login (throttled, CSRF-protected), logout and the inbox pages."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import LoginAttempt, Notification
from accounts.services import notification_push
from tests.factories import owner_user

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
PASSWORD = "pass-Word-123"  # the factories' password


def test_login_page_renders(client):
    response = client.get(LOGIN_URL, {"next": "/entry/"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户登录" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="next" value="/entry/"' in html


def test_login_works_and_goes_to_the_dashboard(client, owner):
    response = client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("market:dashboard")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_login_follows_safe_next_only(client, owner):
    response = client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD, "next": "/catalogue/"})
    assert response["Location"] == "/catalogue/"
    client.logout()
    response = client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD,
                                       "next": "https://evil.example.com/"})
    assert response["Location"] == reverse("market:dashboard")


def test_wrong_password_is_refused_with_message(client, owner):
    response = client.post(LOGIN_URL, {"username": owner.username, "password": "wrong"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "用户名或密码错误" in html
    assert f'value="{owner.username}"' in html  # the username is kept
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(username=owner.username).count() == 1


def test_empty_form_is_refused(client):
    response = client.post(LOGIN_URL, {"username": "", "password": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请输入用户名" in html and "请输入密码" in html


def test_success_clears_earlier_failures(client, owner):
    for _ in range(2):
        client.post(LOGIN_URL, {"username": owner.username, "password": "wrong"})
    assert LoginAttempt.objects.filter(username=owner.username.lower()).count() == 2
    client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert not LoginAttempt.objects.filter(username=owner.username.lower()).exists()


def test_a_disabled_user_cannot_log_in(client, owner):
    owner.is_active = False
    owner.save()
    response = client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_password_is_stored_hashed(owner):
    owner.refresh_from_db()
    assert owner.password != PASSWORD and PASSWORD not in owner.password
    assert "$" in owner.password  # algorithm$...$hash
    assert owner.check_password(PASSWORD)


def test_csrf_is_enforced_on_login():
    csrf_client = Client(enforce_csrf_checks=True)
    user = owner_user()
    response = csrf_client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in csrf_client.session
    csrf_client.get(LOGIN_URL)  # sets the CSRF cookie
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD,
                                            "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_csrf_is_enforced_on_htmx_posts_with_the_header(owner):
    """The htmx header (hx-headers on <body>) carries the token a page was rendered with."""
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(owner)
    html = csrf_client.get("/").content.decode()
    token = csrf_client.cookies["csrftoken"].value
    assert 'hx-headers=\'{"X-CSRFToken": "' in html and '<meta name="csrf-token"' in html
    assert csrf_client.post("/accounts/inbox/").status_code == 403
    assert csrf_client.post("/accounts/inbox/", HTTP_X_CSRFTOKEN=token).status_code == 302


def test_logout_is_post_only(client, owner):
    client.force_login(owner)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_inbox_lists_notifications_and_marks_all_read(client, owner):
    org = owner.organisation
    notification_push(organisation=org, kind="invitation", title="采购邀请：某项目", body="报名截止 2026-01-01",
                      url="/requests/X/", dedupe_key="t1")
    notification_push(organisation=org, kind="entry_reviewed", title="入驻申请已通过审核", dedupe_key="t2")
    other = owner_user()
    notification_push(organisation=other.organisation, kind="x", title="别人的消息", dedupe_key="t3")
    client.force_login(owner)
    html = client.get("/accounts/inbox/").content.decode()
    assert "采购邀请：某项目" in html and "入驻申请已通过审核" in html and "别人的消息" not in html
    assert "全部标为已读" in html and html.count("未读") >= 2
    assert 'id="unread-badge" class="count-badge">2<' in html
    response = client.post("/accounts/inbox/")
    assert response.status_code == 302
    assert not Notification.objects.filter(organisation=org, read_at__isnull=True).exists()
    assert Notification.objects.filter(organisation=other.organisation, read_at__isnull=True).exists()
    html = client.get("/accounts/inbox/").content.decode()
    assert 'id="unread-badge" class="count-badge" hidden' in html


def test_inbox_needs_login(client):
    assert client.get("/accounts/inbox/")["Location"].startswith(LOGIN_URL)
