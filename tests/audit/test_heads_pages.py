"""The public page (/audit/heads/) and API (/api/v1/audit/…) of the published heads."""

import json
from datetime import date

import pytest

from audit.models import ChainHead, DailyRoot
from audit.services import heads_publish
from tests.audit.test_heads import bj, history  # noqa: F401  (fixture)
from tests.audit.test_timeline import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(history):  # noqa: F811
    heads_publish(now=bj(2026, 12, 4, 0, 30))
    return {r.day: r for r in DailyRoot.objects.all()}


def test_the_public_page_lists_every_day_with_its_root_and_explains_the_check(client, published):
    text = visible_text(client.get("/audit/heads/").content.decode())
    for day, root in published.items():
        assert f"{day.year}年{day.month}月{day.day}日" in text and root.root in text
    assert "如何发现事后改写" in text and "audit_verify --heads" in text and "YCZJCS-AUDIT-ROOT-v1" in text
    assert "2026年12月4日 00:30" in text  # published at, Beijing time


def test_a_chain_is_looked_up_by_name(client, published):
    text = visible_text(client.get("/audit/heads/", {"chain": "request:A"}).content.decode())
    heads = ChainHead.objects.filter(chain="request:A")
    assert "采购项目" in text and "该链目前共有 3 条记录" in text
    assert all(h.head_hash in text for h in heads)
    assert "尚无公布的链头" in visible_text(client.get("/audit/heads/", {"chain": "nope:1"}).content.decode())


def test_one_day_shows_the_heads_its_root_was_computed_from(client, published):
    root = published[date(2026, 12, 1)]
    text = visible_text(client.get("/audit/heads/2026-12-01/").content.decode())
    assert root.root in text and root.prev_root in text
    assert all(h.head_hash in text for h in ChainHead.objects.filter(day=root.day))
    assert client.get("/audit/heads/2026-13-01/").status_code == 404
    assert client.get("/audit/heads/2020-01-01/").status_code == 404


def test_the_api_serves_roots_and_heads_for_anyone_to_keep(client, published):
    roots = json.loads(client.get("/api/v1/audit/roots/").content)
    assert [r["day"] for r in roots["results"]] == ["2026-12-03", "2026-12-02", "2026-12-01"]
    one = json.loads(client.get("/api/v1/audit/roots/2026-12-02/").content)
    assert one["root"] == published[date(2026, 12, 2)].root and one["records"] == 1 and one["total"] == 4
    day = json.loads(client.get("/api/v1/audit/heads/", {"day": "2026-12-01"}).content)
    assert [(h["chain"], h["count"]) for h in day["results"]] == [("entry:7", 1), ("request:A", 2)]
    chain = json.loads(client.get("/api/v1/audit/heads/", {"chain": "request:A"}).content)
    assert [(h["day"], h["count"]) for h in chain["results"]] == [("2026-12-01", 2), ("2026-12-02", 3)]
    assert client.get("/api/v1/audit/heads/", {"day": "yesterday"}).status_code == 400
    assert client.get("/api/v1/audit/heads/", {"chain": "x" * 61}).status_code == 400
    assert client.get("/api/v1/audit/roots/2026-02-30/").status_code == 404
    schema = client.get("/api/v1/schema/").content.decode()
    assert "/api/v1/audit/roots/" in schema and "/api/v1/audit/heads/" in schema
