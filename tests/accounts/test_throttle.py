"""Login throttling that a stranger cannot turn against anybody: failures count per
(username, client address) pair; past LOGIN_MAX_FAILURES that pair must solve a CAPTCHA,
never a lock. The admin login and registration are under the same rule, and the client
address comes from X-Forwarded-For only behind a configured trusted proxy."""

import secrets

import pytest
from django.test import Client, RequestFactory, override_settings

from accounts.models import LoginAttempt
from accounts.net import client_ip
from tests.accounts.captcha_support import captcha_answer, shows_captcha
from tests.factories import UserFactory, owner_user

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
PASSWORD = "pass-Word-123"


def from_address(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def fail(client: Client, username: str, url: str = LOGIN_URL):
    return client.post(url, {"username": username, "password": "wrong-" + secrets.token_hex(4)})


def test_25_failures_with_random_usernames_do_not_stop_another_users_login_from_that_address(owner):
    stranger = from_address("10.9.8.7")
    for _ in range(25):
        assert fail(stranger, "guess_" + secrets.token_hex(5)).status_code == 400
    colleague = from_address("10.9.8.7")
    response = colleague.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302 and colleague.session["_auth_user_id"] == str(owner.pk)


def test_failures_from_a_stranger_never_lock_the_account_elsewhere(owner):
    stranger = from_address("203.0.113.9")
    for _ in range(30):
        fail(stranger, owner.username)
    at_work = from_address("198.51.100.20")
    response = at_work.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302


def test_after_three_failures_the_pair_needs_a_captcha_and_then_the_right_password_works(owner):
    client = from_address("192.0.2.1")
    for i in range(3):
        response = fail(client, owner.username)
    assert shows_captcha(response.content.decode())  # shown right after the third failure
    # The right password alone is no longer enough from this address...
    response = client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 400 and "请输入图中的验证码" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # ...a wrong CAPTCHA neither...
    html = response.content.decode()
    wrong = {**captcha_answer(html), "captcha_1": "zzzz"}
    response = client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD, **wrong})
    assert response.status_code == 400 and "_auth_user_id" not in client.session
    # ...but with the CAPTCHA solved it logs in, and the failures are forgotten.
    answer = captcha_answer(response.content.decode())
    response = client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD, **answer})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(owner.pk)
    assert not LoginAttempt.objects.filter(username=owner.username.lower()).exists()


def test_a_solved_captcha_with_a_wrong_password_still_fails(owner):
    client = from_address("192.0.2.2")
    for _ in range(3):
        response = fail(client, owner.username)
    answer = captcha_answer(response.content.decode())
    response = client.post(LOGIN_URL, {"username": owner.username, "password": "still-wrong", **answer})
    assert response.status_code == 400 and "用户名或密码错误" in response.content.decode()


def test_usernames_are_counted_without_regard_to_case(owner):
    client = from_address("192.0.2.3")
    for variant in (owner.username.upper(), owner.username, f"  {owner.username.title()} "):
        fail(client, variant)
    response = client.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 400 and "请输入图中的验证码" in response.content.decode()


def test_the_admin_login_is_throttled_by_the_same_rule():
    admin = UserFactory(organisation=None, is_staff=True, is_superuser=True)
    client = from_address("192.0.2.4")
    assert client.get(ADMIN_LOGIN_URL).status_code == 200
    for _ in range(3):
        response = fail(client, admin.username, ADMIN_LOGIN_URL)
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    html = response.content.decode()
    assert shows_captcha(html)
    response = client.post(ADMIN_LOGIN_URL, {"username": admin.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session and "请输入图中的验证码" in response.content.decode()
    answer = captcha_answer(response.content.decode())
    response = client.post(ADMIN_LOGIN_URL, {"username": admin.username, "password": PASSWORD, **answer})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(admin.pk)
    # Failures on the admin login and on the site's count together.
    assert not LoginAttempt.objects.filter(username=admin.username.lower()).exists()


def test_admin_failures_count_for_the_site_login_too():
    user = owner_user()
    client = from_address("192.0.2.5")
    for _ in range(3):
        fail(client, user.username, ADMIN_LOGIN_URL)
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400 and shows_captcha(response.content.decode())


def test_forwarded_for_is_ignored_without_a_trusted_proxy(owner):
    rf = RequestFactory()
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_address_it_appended_is_the_client():
    rf = RequestFactory()
    # A client that forges the header gets its forgery kept, then nginx appends the truth.
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.0.0.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_users_of_the_city_are_told_apart(owner):
    """Every request comes from nginx's address; the throttle keys on the forwarded one."""
    proxy = "127.0.0.1"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50")
    for _ in range(5):
        fail(attacker, owner.username)
    owner_office = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.60")
    response = owner_office.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302
    attacker_again = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50")
    response = attacker_again.post(LOGIN_URL, {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 400 and shows_captcha(response.content.decode())
