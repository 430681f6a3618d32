"""Keys of each kind and a client that speaks JSON with a Bearer key."""

import json

from django.test import Client

from accounts.models import Organisation
from docking.keys import apikey_create
from tests.factories import OrganisationFactory, make_uscc, region

ALL_OWNER = "read,requests:write,webhooks"
ALL_FIRM = "read,bids:write,webhooks"


class ApiClient:
    """JSON in and out of `/api/v1/`, with `key` as the Bearer token (None: anonymous)."""

    def __init__(self, key: str | None = None):
        self.client = Client()
        self.key = key

    def _headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, **self._headers())

    def post(self, path: str, body=None, **kwargs):
        if kwargs.pop("multipart", False):
            return self.client.post(path, body or {}, **self._headers())
        return self.client.post(path, json.dumps(body if body is not None else {}), content_type="application/json",
                                **self._headers())

    def put(self, path: str, body=None):
        return self.client.put(path, json.dumps(body if body is not None else {}), content_type="application/json",
                               **self._headers())

    def delete(self, path: str):
        return self.client.delete(path, **self._headers())


def give_uscc(org: Organisation) -> Organisation:
    if not org.uscc:
        org.uscc = make_uscc()
        org.save(update_fields=["uscc"])
    return org


def key_for(org: Organisation, scopes: str, county: str = "") -> str:
    _row, key = apikey_create(user=None, uscc=give_uscc(org).uscc, scopes=scopes, county_code=county)
    return key


def county_platform(code: str = "360982") -> Organisation:
    """The organisation that runs a county's own marketplace (here: its bureau)."""
    return give_uscc(OrganisationFactory(kind=Organisation.Kind.BUREAU, name=f"{region(code).name}公共资源交易中心",
                                         region=region(code)))


def error_of(response) -> dict:
    body = json.loads(response.content)
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"]), body
    return body["error"]


def push_body(*, owner_uscc: str, **overrides) -> dict:
    from django.utils import timezone

    from core.calendar import workday_shift
    from tests.factories import service_item

    deadline = workday_shift(timezone.now(), 5)
    body = {
        "owner": {"uscc": owner_uscc, "name": "樟树市交通运输局", "contact_name": "刘一", "phone": "0795-7330001"},
        "service_item": service_item().code,
        "title": "樟树市某道路改造工程环境影响评价",
        "scope": "编制环境影响报告表。",
        "funding": "fiscal",
        "ceiling": "100000.00",
        "method": "draw",
        "signup_deadline": timezone.localtime(deadline).isoformat(),
        "selection_at": timezone.localtime(workday_shift(deadline, 1)).isoformat(),
        "service_days": 30,
        "contact_name": "刘一",
        "contact_phone": "0795-7330001",
    }
    body.update(overrides)
    return body
