"""Password change and reset by email link (Django's views, Chinese pages), audited; the
length rule that knows the role (12 characters for bureau staff and administrators)."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from audit.models import AuditRecord
from tests.accounts.captcha_support import captcha_answer
from tests.factories import UserFactory, bureau_user, owner_user

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"
CHANGE_URL = "/accounts/password_change/"
RESET_URL = "/accounts/password_reset/"


def chain_kinds(user) -> list[str]:
    return list(AuditRecord.objects.filter(chain=f"user:{user.pk}").order_by("seq").values_list("kind", flat=True))


def test_password_change_needs_login(client):
    assert client.get(CHANGE_URL)["Location"].startswith("/accounts/login/")


def test_password_change_page_is_chinese(client, owner):
    client.force_login(owner)
    html = client.get(CHANGE_URL).content.decode()
    assert "修改密码" in html and "旧密码" in html and "确认修改" in html


def test_a_password_change_is_audited_and_ends_the_other_sessions(owner):
    here, elsewhere = Client(), Client()
    assert here.login(username=owner.username, password=PASSWORD)
    assert elsewhere.login(username=owner.username, password=PASSWORD)
    new = "Another-secret-2026"
    response = here.post(CHANGE_URL, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert "密码已修改" in here.get(response["Location"]).content.decode()
    assert chain_kinds(owner) == ["password_changed"]
    assert here.get("/accounts/inbox/").status_code == 200  # this session goes on
    assert elsewhere.get("/accounts/inbox/").status_code == 302  # the other one is over
    owner.refresh_from_db()
    assert owner.check_password(new)


def test_a_wrong_old_password_changes_nothing(client, owner):
    client.force_login(owner)
    response = client.post(CHANGE_URL, {"old_password": "nope", "new_password1": "Another-secret-2026",
                                        "new_password2": "Another-secret-2026"})
    assert response.status_code == 200 and chain_kinds(owner) == []
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_bureau_staff_need_twelve_characters(client):
    officer = bureau_user()
    client.force_login(officer)
    short = "Xk9-pq7-Lm2"  # 11 characters
    response = client.post(CHANGE_URL, {"old_password": PASSWORD, "new_password1": short, "new_password2": short})
    assert response.status_code == 200
    assert "至少需要12个字符" in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


@pytest.mark.parametrize("make, short_ok", [
    (lambda: owner_user(), True),
    (lambda: bureau_user(), False),
    (lambda: owner_user(is_org_admin=True), False),
    (lambda: UserFactory(organisation=None, is_staff=True), False),
])
def test_the_length_rule_knows_the_role(make, short_ok):
    user = make()
    nine = "Qz8-vN4-k"  # 9 characters: enough for an ordinary user only
    if short_ok:
        validate_password(nine, user=user)
    else:
        with pytest.raises(ValidationError) as exc:
            validate_password(nine, user=user)
        assert "至少需要12个字符" in " ".join(exc.value.messages)
        validate_password("Qz8-vN4-kR5-w", user=user)  # 13 characters
    with pytest.raises(ValidationError):
        validate_password("Qz8-vN4", user=user)  # 7: too short for everybody


def test_reset_by_email_link_sets_a_new_password_and_is_audited(client, owner):
    owner.email = "owner@example.com"
    owner.save()
    response = client.post(RESET_URL, {"email": "owner@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "重设登录密码" in message.subject and owner.username in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    response = client.get(link)  # Django swaps the token for a session marker
    assert response.status_code == 302
    form_url = response["Location"]
    assert "设置新密码" in client.get(form_url).content.decode()
    new = "Reset-passphrase-2026"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response["Location"] == "/accounts/reset/done/"
    owner.refresh_from_db()
    assert owner.check_password(new)
    assert chain_kinds(owner) == ["password_reset"]
    # The link is used up.
    assert "链接已失效" in client.get(link, follow=True).content.decode()


def test_reset_says_the_same_for_an_unknown_address(client):
    response = client.post(RESET_URL, {"email": "nobody@example.com"})
    assert response.status_code == 302 and mail.outbox == []


def test_reset_requests_past_the_limit_need_a_captcha(settings, owner):
    settings.REGISTRATIONS_PER_HOUR = 2
    client = Client(REMOTE_ADDR="192.0.2.90")
    for _ in range(2):
        assert client.post(RESET_URL, {"email": "x@example.com"}).status_code == 302
    response = client.post(RESET_URL, {"email": "x@example.com"})
    assert response.status_code == 200 and "请输入图中的验证码" in response.content.decode()
    answer = captcha_answer(response.content.decode())
    assert client.post(RESET_URL, {"email": "x@example.com", **answer}).status_code == 302
    assert Client(REMOTE_ADDR="192.0.2.91").post(RESET_URL, {"email": "x@example.com"}).status_code == 302


def test_a_password_has_an_upper_bound(owner):
    with pytest.raises(ValidationError) as exc:
        validate_password("Aa1-" * 40, user=owner)  # 160 characters
    assert "不能超过128个字符" in " ".join(exc.value.messages)
