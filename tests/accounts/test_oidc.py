"""Login through the province's unified identity system: the relying party
(accounts/oidc.py, mozilla-django-oidc) against a real OpenID Connect provider
(django-oidc-provider, tests/oidc_op/) that the test starts on a local port. A plain HTTP
client follows the real redirects: platform → provider's login form → provider's
authorisation → platform's callback (code exchanged for tokens server to server, the RS256
ID token checked against the provider's published keys, the claims read from userinfo) →
logged in as the user the identity's credit code or ID number maps to."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from core.idnumber import id_number_check_char
from tests.factories import make_uscc, owner_user

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "yczjcs-platform", "s3cret-for-tests-only"
OP_PASSWORD = "provider-pass-1"

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _id_number(seq: int) -> str:
    body = f"36092219800101{seq:03d}"
    return body + id_number_check_char(body)


UNIT_CODE = make_uscc(990001)
PERSON_ID = _id_number(11)
AGENT_ID = _id_number(12)
IDENTITIES = [
    {"username": "unit_legal", "password": OP_PASSWORD, "uscc": UNIT_CODE, "id_number": ""},
    {"username": "unit_agent", "password": OP_PASSWORD, "uscc": UNIT_CODE, "id_number": AGENT_ID},
    {"username": "person", "password": OP_PASSWORD, "uscc": "", "id_number": PERSON_ID},
    {"username": "stranger", "password": OP_PASSWORD, "uscc": make_uscc(990002), "id_number": ""},
]


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """The platform (Daphne, forked with OIDC configured) and the provider (its own
    process), each on a local port, started once for the module; yields (platform URL,
    provider URL). Each test puts its own users in the (file) test database."""
    from functools import partial

    from daphne.testing import DaphneProcess
    from django.db import connections
    from django.test import override_settings

    from tests.e2e.conftest import _application, _child_setup

    tmp_path = tmp_path_factory.mktemp("oidc")
    op_port = _free_port()
    op = f"http://127.0.0.1:{op_port}"
    # The provider's endpoints are known from its address: configure the platform before
    # it is forked (the child keeps these settings).
    configured = override_settings(
        OIDC_ENABLED=True, OIDC_RP_CLIENT_ID=CLIENT_ID, OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_OP_AUTHORIZATION_ENDPOINT=f"{op}/openid/authorize", OIDC_OP_TOKEN_ENDPOINT=f"{op}/openid/token",
        OIDC_OP_USER_ENDPOINT=f"{op}/openid/userinfo", OIDC_OP_JWKS_ENDPOINT=f"{op}/openid/jwks",
        OIDC_RP_SCOPES="openid profile yczjcs",
        AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend", "accounts.oidc.ProvinceOIDCBackend"],
    )
    configured.enable()
    connections.close_all()
    daphne = DaphneProcess("127.0.0.1", partial(_application), setup=_child_setup)
    with django_db_blocker.unblock():  # the child inherits the blocker's state
        daphne.start()
    configured.disable()  # only the forked platform keeps OIDC on
    assert daphne.ready.wait(timeout=20), "Daphne did not start"
    platform = f"http://127.0.0.1:{daphne.port.value}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.oidc_op.settings", "OP_DB": str(tmp_path / "op.sqlite3"),
           "OP_URL": op, "PYTHONPATH": str(ROOT),
           "OP_SETUP": json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                   "redirect_uri": f"{platform}/accounts/oidc/callback/", "users": IDENTITIES})}
    log = open(tmp_path / "op.log", "w")
    proc = None
    try:
        subprocess.run([sys.executable, "-m", "tests.oidc_op.setup"], cwd=ROOT, env=env, check=True, timeout=120,
                       capture_output=True)
        proc = subprocess.Popen([sys.executable, "-m", "django", "runserver", f"127.0.0.1:{op_port}", "--noreload"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{op}/openid/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the OIDC provider did not start: " + (tmp_path / "op.log").read_text())
            time.sleep(0.2)
        yield platform, op
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        log.close()
        daphne.terminate()
        daphne.join(10)


@pytest.fixture
def platform_and_provider(servers, transactional_db):
    return servers


def log_in_through_the_province(platform: str, op_username: str) -> tuple[requests.Session, requests.Response]:
    """What a browser does: start at the platform, sign in at the provider, come back."""
    browser = requests.Session()
    page = browser.get(f"{platform}/accounts/login/", timeout=10)
    assert "江西省统一身份认证登录" in page.text
    start = re.search(r'href="(/accounts/oidc/login/[^"]*)"', page.text).group(1)
    provider_login = browser.get(platform + start, timeout=10)  # → provider authorize → its login form
    assert "统一身份认证（测试用身份提供方）" in provider_login.text, (provider_login.url, provider_login.text[:300])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', provider_login.text).group(1)
    follow = re.search(r'name="next" value="([^"]*)"', provider_login.text).group(1).replace("&amp;", "&")
    response = browser.post(provider_login.url, timeout=20, headers={"Referer": provider_login.url}, data={
        "csrfmiddlewaretoken": token, "username": op_username, "password": OP_PASSWORD, "next": follow})
    return browser, response


def test_a_units_legal_person_identity_logs_in_as_its_administrator(platform_and_provider):
    platform, _ = platform_and_provider
    admin = owner_user(is_org_admin=True, display_name="单位管理员")
    admin.organisation.uscc = UNIT_CODE
    admin.organisation.save()
    browser, response = log_in_through_the_province(platform, "unit_legal")
    assert response.url == f"{platform}/owner/requests/", response.url  # the owner's dashboard
    assert "单位管理员" in response.text
    assert browser.get(f"{platform}/accounts/inbox/", timeout=10, allow_redirects=False).status_code == 200


def test_an_agents_identity_logs_in_as_the_user_with_that_id_number(platform_and_provider):
    platform, _ = platform_and_provider
    from tests.factories import UserFactory

    admin = owner_user(is_org_admin=True, display_name="单位管理员")
    admin.organisation.uscc = UNIT_CODE
    admin.organisation.save()
    UserFactory(organisation=admin.organisation, display_name="经办人张三", id_number=AGENT_ID)
    browser, response = log_in_through_the_province(platform, "unit_agent")
    assert response.url == f"{platform}/owner/requests/"
    assert "经办人张三" in response.text and "单位管理员" not in response.text


def test_a_natural_persons_identity_logs_in_by_id_number(platform_and_provider):
    platform, _ = platform_and_provider
    person = owner_user(display_name="王小明", id_number=PERSON_ID)
    browser, response = log_in_through_the_province(platform, "person")
    assert response.url == f"{platform}/owner/requests/"
    assert "王小明" in response.text
    session = browser.cookies.get("sessionid")
    from django.contrib.sessions.models import Session

    assert Session.objects.get(session_key=session).get_decoded()["_auth_user_id"] == str(person.pk)


def test_an_unknown_identity_is_not_logged_in_and_told_to_register(platform_and_provider):
    platform, _ = platform_and_provider
    browser, response = log_in_through_the_province(platform, "stranger")
    assert response.url.startswith(f"{platform}/accounts/login/")
    assert "尚未在本平台注册" in response.text
    assert browser.get(f"{platform}/accounts/inbox/", timeout=10, allow_redirects=False).status_code == 302


def test_off_unless_configured(client):
    assert client.get("/accounts/oidc/login/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404
    assert "统一身份认证" not in client.get("/accounts/login/").content.decode()
