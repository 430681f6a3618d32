"""API keys: issued by the bureau (page or command), shown once, stored hashed, scoped,
revocable, and every use recorded."""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from docking.keys import apikey_find
from docking.models import ApiKey, ApiKeyUse
from tests.docking.support import (
    ApiClient,
    county_platform,
    error_of,
    give_uscc,
    key_for,
)
from tests.factories import bureau_user, firm_user, owner_user

pytestmark = pytest.mark.django_db


def test_command_prints_the_key_alone_on_its_last_line_and_stores_only_its_hash(owner):
    org = give_uscc(owner.organisation)
    out = StringIO()
    call_command("apikey_create", "--org", org.uscc, "--scopes", "read,requests:write", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("yczj_") and " " not in key
    row = ApiKey.objects.get()
    assert row.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert row.scopes == ["read", "requests:write"] and row.county is None
    assert apikey_find(key) == row and apikey_find(key + "x") is None and apikey_find(key[:-1]) is None


def test_command_issues_a_county_key_and_refuses_bad_input():
    platform = county_platform("360982")
    out = StringIO()
    call_command("apikey_create", "--org", platform.uscc, "--scopes", "read,requests:write,webhooks",
                 "--county", "360982", stdout=out)
    assert ApiKey.objects.get().county_id == "360982"
    with pytest.raises(CommandError, match="未找到"):
        call_command("apikey_create", "--org", "NOPE", "--scopes", "read", stdout=StringIO())
    with pytest.raises(CommandError, match="权限范围"):
        call_command("apikey_create", "--org", platform.uscc, "--scopes", "read,admin", stdout=StringIO())
    with pytest.raises(CommandError, match="县"):  # a county platform of another county
        call_command("apikey_create", "--org", platform.uscc, "--scopes", "read", "--county", "360921",
                     stdout=StringIO())


def test_write_scopes_follow_the_organisation_kind(owner, firm):
    with pytest.raises(CommandError, match="中介机构"):
        call_command("apikey_create", "--org", give_uscc(owner.organisation).uscc, "--scopes", "bids:write",
                     stdout=StringIO())
    with pytest.raises(CommandError, match="项目业主"):
        call_command("apikey_create", "--org", firm.organisation.uscc, "--scopes", "requests:write",
                     stdout=StringIO())


def test_unknown_malformed_and_revoked_keys_are_401_in_the_fixed_shape(owner):
    key = key_for(owner.organisation, "read")
    assert ApiClient(key).get("/api/v1/requests/").status_code == 200
    for bad in ("nonsense", "yczj_0000000000.secret", key + "0"):
        response = ApiClient(bad).get("/api/v1/catalogue/")
        assert response.status_code == 401 and error_of(response)["code"] == "invalid_key"
    response = Client().get("/api/v1/catalogue/", HTTP_AUTHORIZATION="Basic abc")
    assert response.status_code == 401 and error_of(response)["code"] == "invalid_key"
    from docking.keys import apikey_revoke

    apikey_revoke(user=None, key_id=ApiKey.objects.get().pk)
    assert ApiClient(key).get("/api/v1/requests/").status_code == 401


def test_missing_scope_and_missing_key_are_refused(owner):
    key = key_for(owner.organisation, "read")
    response = ApiClient(key).post("/api/v1/webhooks/", {"url": "http://127.0.0.1:1/", "events": ["request.published"]})
    assert response.status_code == 403 and error_of(response)["code"] == "scope_missing"
    response = ApiClient().get("/api/v1/requests/")
    assert response.status_code == 401 and error_of(response)["code"] == "not_authenticated"


def test_every_use_is_recorded_with_key_time_and_operation(owner):
    key = key_for(owner.organisation, "read")
    client = ApiClient(key)
    client.get("/api/v1/requests/")
    client.get("/api/v1/requests/NO-SUCH/")
    client.post("/api/v1/webhooks/", {})
    uses = list(ApiKeyUse.objects.order_by("id").values_list("method", "operation", "status"))
    assert uses == [("GET", "GET requests", 200), ("GET", "GET request-detail", 404), ("POST", "POST webhooks", 403)]
    assert ApiKey.objects.get().last_used_at is not None
    ApiClient().get("/api/v1/catalogue/")  # anonymous: nothing to record
    assert ApiKeyUse.objects.count() == 3


def test_rate_limit_per_key_answers_429_with_retry_after(owner, settings):
    settings.API_RATE_PER_MINUTE = 3
    client = ApiClient(key_for(owner.organisation, "read"))
    codes = [client.get("/api/v1/regions/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/regions/")
    error = error_of(response)
    assert error["code"] == "rate_limited" and 1 <= int(response["Retry-After"]) <= 60
    # another key has its own budget
    assert ApiClient(key_for(owner_user().organisation, "read")).get("/api/v1/regions/").status_code == 200


def test_bureau_issues_a_key_on_its_page_shown_once_and_revokes_it(client):
    officer = bureau_user(region_code="360982")
    owner = owner_user(region_code="360982")
    give_uscc(owner.organisation)
    client.force_login(officer)
    response = client.post("/bureau/api-keys/new/", {"uscc": owner.organisation.uscc, "name": "业主系统",
                                                     "scopes": ["read", "requests:write"], "rate_per_minute": 0})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    row = ApiKey.objects.get()
    key = response.context["key"]
    assert key.encode() in response.content and hashlib.sha256(key.encode()).hexdigest() == row.secret_hash
    assert key.encode() not in client.get(f"/bureau/api-keys/{row.pk}/").content
    assert key.encode() not in client.get("/bureau/api-keys/").content
    client.post(f"/bureau/api-keys/{row.pk}/revoke/")
    row.refresh_from_db()
    assert row.revoked_at is not None and ApiClient(key).get("/api/v1/requests/").status_code == 401


def test_a_county_bureau_issues_keys_only_in_its_county(client):
    officer = bureau_user(region_code="360982")
    other = owner_user(region_code="360921")
    give_uscc(other.organisation)
    client.force_login(officer)
    response = client.post("/bureau/api-keys/new/", {"uscc": other.organisation.uscc, "scopes": ["read"],
                                                     "rate_per_minute": 0})
    assert response.status_code == 403 and not ApiKey.objects.exists()
    client.force_login(owner_user())
    assert client.get("/bureau/api-keys/").status_code == 403


def test_firm_key_rejects_owner_scope_on_the_page(client):
    officer = bureau_user()
    firm = firm_user()
    client.force_login(officer)
    response = client.post("/bureau/api-keys/new/", {"uscc": firm.organisation.uscc, "scopes": ["requests:write"],
                                                     "rate_per_minute": 0})
    assert response.status_code == 400 and "requests:write" in response.content.decode()
