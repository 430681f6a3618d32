"""Headers and settings: a Content-Security-Policy without inline script, HSTS and secure
cookies by default when DEBUG is off, sessions of at most 12 h with a 2 h idle timeout,
and `manage.py check --deploy` clean with the documented production settings."""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from accounts.selectors import SESSION_SEEN_KEY, SESSION_STARTED_KEY

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)



def production_env(tmp_path) -> dict[str, str]:
    """The production environment as documented: deploy/zjcs.env.in rendered with
    deploy/zjcs.vars.example (README, "Production layout"), with a real secret and local
    paths and database instead of the example hosts."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("deploy_render", ROOT / "deploy" / "render.py")
    render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render)
    values = render.load(str(ROOT / "deploy" / "zjcs.vars.example"))
    values.update({"SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                   "REDIS_URL": "", "STATE_DIR": str(tmp_path), "STATIC_ROOT": str(tmp_path / "static"),
                   "MEDIA_ROOT": str(tmp_path / "media")})
    text = render.render((ROOT / "deploy" / "zjcs.env.in").read_text(encoding="utf-8"), values)
    env = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return {k: v for k, v in env.items() if v != ""}


def _run(code: str, env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REQUIRE_2FA", "SESSION_"))}
    full = {**clean, "VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", **env}
    return subprocess.run([sys.executable, *code], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120)


def test_no_template_has_an_inline_script_or_style():
    offenders = []
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in folder.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if INLINE_SCRIPT.search(text) or re.search(r"<style\b|\sstyle=\"", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/admin/login/", "/registry/"])
def test_pages_carry_the_policy_and_no_inline_script(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "object-src 'none'" in policy
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_hsts_and_secure_cookies_are_on_by_default_when_debug_is_off(tmp_path):
    probe = ("-c", "import django; django.setup(); from django.conf import settings as s; "
                   "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
                   "s.SESSION_COOKIE_AGE, s.SESSION_IDLE_SECONDS)")
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    result = _run(probe, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000", "43200", "7200"]
    result = _run(probe, {**env, "DJANGO_DEBUG": "1"}, tmp_path)
    assert result.stdout.split()[:3] == ["False", "False", "0"]


@pytest.mark.django_db
def test_the_api_docs_run_their_scripts_from_files_only(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200 and "script-src 'self';" in response["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(response.content.decode())


@pytest.mark.django_db
def test_hsts_is_sent_on_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    env = production_env(tmp_path)
    assert env["REQUIRE_2FA_FOR_STAFF"] == "1" and env["DJANGO_BEHIND_PROXY"] == "1"
    result = _run(("manage.py", "check", "--deploy", "--fail-level", "WARNING"), env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
class TestSessionLimits:
    def _login(self, client, owner):
        client.force_login(owner)
        assert client.get("/accounts/inbox/").status_code == 200  # stamps the session

    def _stamp(self, client, **values):
        session = client.session
        for key, value in values.items():
            session[key] = value
        session.save()

    def test_the_session_lasts_while_used(self, client, owner):
        self._login(client, owner)
        now = time.time()
        self._stamp(client, **{SESSION_STARTED_KEY: now - 11 * 3600, SESSION_SEEN_KEY: now - 3600})
        assert client.get("/accounts/inbox/").status_code == 200
        assert client.session[SESSION_SEEN_KEY] >= now - 1  # activity stamped again

    def test_two_idle_hours_end_it(self, client, owner):
        self._login(client, owner)
        self._stamp(client, **{SESSION_SEEN_KEY: time.time() - django_settings.SESSION_IDLE_SECONDS - 5})
        response = client.get("/accounts/inbox/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session

    def test_twelve_hours_end_it_however_busy(self, client, owner):
        self._login(client, owner)
        self._stamp(client, **{SESSION_STARTED_KEY: time.time() - django_settings.SESSION_MAX_AGE_SECONDS - 5,
                               SESSION_SEEN_KEY: time.time()})
        assert client.get("/accounts/inbox/").status_code == 302
        assert "_auth_user_id" not in client.session

    def test_a_login_stamps_its_start(self, client, owner):
        before = time.time() - 1
        assert client.post("/accounts/login/", {"username": owner.username, "password": "pass-Word-123"}).status_code == 302
        assert client.session[SESSION_STARTED_KEY] >= before
