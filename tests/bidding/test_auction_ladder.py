"""After an auction closes its full bid ladder (alias, firm, amount, time) is public on the
request page and in the OCDS release; before, no firm's name appears."""

import json

import pytest
from django.urls import reverse

from bidding.models import Auction, Bidder
from bidding.publication import BID_EXTENSION
from bidding.services_auction import auction_advance
from tests.audit.test_timeline import visible_text
from tests.bidding.auction_support import auction_case, bid, end_in

pytestmark = pytest.mark.django_db

BIDS = [(0, "99000.00"), (1, "98000.00"), (0, "97000.00"), (2, "96000.00")]


def _bid_all(case):
    for i, amount in BIDS:
        assert bid(case, case.firms[i], amount).accepted


def _page(client, case) -> str:
    return visible_text(client.get(reverse("market:request_detail", args=[case.request.code])).content.decode())


def _release(client, case) -> dict:
    response = client.get(f"/api/v1/requests/{case.request.code}/ocds/")
    assert response.status_code == 200
    return json.loads(response.content)


def _alias(case, i: int) -> str:
    return Bidder.objects.get(auction=case.auction, organisation=case.firms[i].organisation).alias


def test_while_the_auction_runs_no_bidder_is_named_in_public(client):
    case = auction_case(4)
    _bid_all(case)
    names = [f.organisation.name for f in case.firms]
    text = _page(client, case)
    assert "竞价记录" not in text and not any(name in text for name in names)
    data = _release(client, case)
    (release,) = data["releases"]
    assert "bids" not in release and BID_EXTENSION not in data.get("extensions", [])
    assert [p["roles"] for p in release["parties"]] == [["buyer", "procuringEntity"]]
    # The owner's timeline shows the bids by alias only, never which firm is behind one.
    client.force_login(case.owner)
    owner_page = client.get(reverse("market:request_detail", args=[case.request.code])).content.decode()
    start = owner_page.index('class="audit-timeline"')
    timeline = visible_text(owner_page[start:owner_page.index("</table>", start)])
    assert f"{_alias(case, 2)} 报价 96,000.00 元" in timeline
    assert not any(f.organisation.uscc in owner_page for f in case.firms)


def test_once_closed_the_ladder_is_on_the_public_page_and_in_the_ocds_release(client):
    case = auction_case(4)
    _bid_all(case)
    end_in(case, -1)
    auction_advance(auction_id=case.auction.pk)
    assert case.refresh().status == Auction.Status.CLOSED
    text = " ".join(_page(client, case).split())
    assert "竞价记录" in text
    for seq, (i, amount) in enumerate(BIDS, 1):
        name = case.firms[i].organisation.name
        shown = f"{seq} {_alias(case, i)} {name} {int(float(amount)):,}.00 元"
        assert shown in text, shown
    positions = [text.index(f"{int(float(a)):,}.00 元 2") for _i, a in BIDS]
    assert positions == sorted(positions)  # in bidding order

    data = _release(client, case)
    (release,) = data["releases"]
    assert BID_EXTENSION in data["extensions"]
    details = release["bids"]["details"]
    assert [(d["alias"], d["tenderers"][0]["name"], d["value"]["amount"]) for d in details] == [
        (_alias(case, i), case.firms[i].organisation.name, float(a)) for i, a in BIDS]
    assert all(d["status"] == "valid" and d["date"].endswith("+08:00") for d in details)
    assert {"id": "bids", "measure": "bids", "value": 4} in release["bids"]["statistics"]
    roles = {p["name"]: p["roles"] for p in release["parties"]}
    winner, loser = case.firms[2].organisation.name, case.firms[1].organisation.name
    assert roles[winner] == ["supplier", "tenderer"] and roles[loser] == ["tenderer"]
    assert case.firms[3].organisation.name not in roles  # signed up, never bid
