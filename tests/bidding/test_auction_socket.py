"""The live auction socket: the protocol, robustness, privacy, slow clients, the timer."""

import asyncio
import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import override_settings
from django.urls import path

from bidding.consumers import AuctionConsumer
from tests.accounts.socket_support import LoggedIn as UserScope  # the user and a logged-in session

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def app_for(user, consumer=AuctionConsumer):
    from django.contrib.auth.models import AnonymousUser

    router = URLRouter([path("ws/auctions/<int:auction_id>/", consumer.as_asgi())])
    return UserScope(router, user or AnonymousUser())


async def connect(case, user, consumer=AuctionConsumer):
    comm = WebsocketCommunicator(app_for(user, consumer), f"/ws/auctions/{case.auction.pk}/")
    connected, _ = await comm.connect()
    assert connected
    snap = await comm.receive_json_from(timeout=5)
    assert snap["type"] == "snapshot"
    return comm, snap


@sync_to_async
def make_case(n=3, **kw):
    from tests.bidding.auction_support import auction_case

    return auction_case(n, **kw)


async def send_bid(comm, amount, client_id=None):
    client_id = client_id or str(uuid.uuid4())
    await comm.send_json_to({"type": "bid", "amount": amount, "client_id": client_id})
    return client_id


async def receive_until(comm, kind, timeout=5):
    """Messages up to and including the first of type `kind`."""
    seen = []
    while True:
        msg = await comm.receive_json_from(timeout=timeout)
        seen.append(msg)
        if msg["type"] == kind:
            return msg, seen


async def test_snapshot_bid_ack_and_broadcast():
    case = await make_case(3)
    bidder, snap = await connect(case, case.firms[0])
    assert snap["you"]["alias"].endswith("号") and snap["auction"]["status"] == "live"
    assert snap["auction"]["ceiling"] == "100000.00" and snap["auction"]["floor"] == "60000.00"
    assert snap["auction"]["min_step"] == "500.00" and snap["best"] is None and snap["bids"] == []
    watcher, wsnap = await connect(case, case.owner)
    assert wsnap["you"] is None and wsnap["version"] == snap["version"]

    cid = await send_bid(bidder, "99000.00")
    ack, _ = await receive_until(bidder, "ack")
    assert ack == {"type": "ack", "client_id": cid, "seq": 1}
    # The ack is only sent after commit: the row is there when it arrives.
    from bidding.models import Bid

    assert await sync_to_async(Bid.objects.filter(auction=case.auction, seq=1).exists)()
    event = await watcher.receive_json_from(timeout=5)
    assert event["type"] == "bid" and event["seq"] == 1 and event["amount"] == "99000.00"
    assert event["alias"] == snap["you"]["alias"] and event["version"] == wsnap["version"] + 1
    assert set(event) == {"type", "version", "seq", "alias", "amount", "at", "ends_at"}

    # The same client_id again: the same answer, no second bid.
    await send_bid(bidder, "98000.00", cid)
    again, _ = await receive_until(bidder, "ack")
    assert again == ack

    await watcher.send_json_to({"type": "ping"})
    pong = await watcher.receive_json_from(timeout=5)
    assert pong["type"] == "pong" and pong["server_time"]
    await watcher.send_json_to({"type": "sync"})
    resync = await watcher.receive_json_from(timeout=5)
    assert resync["type"] == "snapshot" and resync["best"]["amount"] == "99000.00" and len(resync["bids"]) == 1
    await bidder.disconnect()
    await watcher.disconnect()


async def test_refusals_carry_their_code_and_a_chinese_message():
    case = await make_case(3)
    bidder, _ = await connect(case, case.firms[0])
    for amount, code in [("100000.01", "above_ceiling"), ("1.00", "below_floor"), ("x", "invalid")]:
        await sync_to_async(cache.clear)()  # every attempt counts against the rate limit
        cid = await send_bid(bidder, amount)
        rejected, _ = await receive_until(bidder, "rejected")
        assert rejected["code"] == code and rejected["client_id"] == cid and rejected["message"]
    await bidder.disconnect()


async def test_watchers_and_strangers_cannot_bid():
    from tests.factories import firm_user

    case = await make_case(3)
    stranger = await sync_to_async(firm_user)()
    for user in [case.owner, stranger, None]:
        comm, snap = await connect(case, user)
        assert snap["you"] is None
        await send_bid(comm, "90000.00")
        rejected, _ = await receive_until(comm, "rejected")
        assert rejected["code"] == "not_eligible"
        await comm.disconnect()


async def test_restricted_bidder_is_told_restricted():
    from tests.factories import restriction

    case = await make_case(3)
    await sync_to_async(restriction)(await sync_to_async(lambda: case.firms[1].organisation)())
    comm, _ = await connect(case, case.firms[1])
    await send_bid(comm, "90000.00")
    rejected, _ = await receive_until(comm, "rejected")
    assert rejected["code"] == "restricted"
    await comm.disconnect()


async def test_malformed_frames_never_crash_the_consumer():
    case = await make_case(3)
    comm, _ = await connect(case, case.firms[0])
    for frame in ["{not json", "[1, 2]", "42", json.dumps({"type": "launch"}), json.dumps({"no": "type"}),
                  json.dumps({"type": "bid"}), json.dumps({"type": "bid", "amount": {"a": 1}, "client_id": 5}),
                  "x" * 1_000_000, json.dumps({"type": "bid", "amount": "9" * 5000, "client_id": "y"})]:
        await comm.send_to(text_data=frame)
        answer = await comm.receive_json_from(timeout=5)
        assert answer["type"] == "rejected" and answer["code"] == "invalid", frame[:40]
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from(timeout=5))["code"] == "invalid"
    await comm.send_json_to({"type": "ping"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "pong"  # still alive
    await comm.disconnect()


async def test_no_message_reveals_another_bidders_identity_before_close():
    case = await make_case(3)
    names = await sync_to_async(lambda: [(f.organisation.name, f.organisation.uscc, f.username, f.display_name)
                                         for f in case.firms])()
    a, _ = await connect(case, case.firms[0])
    b, _ = await connect(case, case.firms[1])
    c, _ = await connect(case, case.firms[2])
    await send_bid(b, "99000.00")
    await receive_until(b, "ack")
    await send_bid(c, "98000.00")
    await receive_until(c, "ack")
    await a.send_json_to({"type": "sync"})
    _, seen = await receive_until(a, "snapshot")
    text = json.dumps(seen, ensure_ascii=False)
    for other in names[1:]:
        for token in other:
            assert token not in text
    # After close the result names everyone.
    await sync_to_async(_end_now)(case)
    await a.send_json_to({"type": "sync"})  # the end moved by hand here; in real life only bids move it
    await receive_until(a, "snapshot")
    await a.send_json_to({"type": "ping"})  # the lazy check on a message closes it
    result, _ = await receive_until(a, "result", timeout=8)
    assert result["winner"] is None  # two bidders, three required: void
    assert {r["name"] for r in result["ranking"]} == {names[1][0], names[2][0]}
    # A late bid after close: refused, and the consumer carries on.
    await send_bid(b, "90000.00")
    late, _ = await receive_until(b, "rejected")
    assert late["code"] == "not_live" and "已结束" in late["message"]
    for comm in (a, b, c):
        await comm.disconnect()


def _end_now(case):
    from tests.bidding.auction_support import end_in

    end_in(case, -0.01)


async def test_the_timer_closes_the_auction_with_nobody_sending():
    from tests.bidding.auction_support import bid, end_in

    case = await make_case(3)
    for firm, amount in zip(case.firms, ["99000.00", "98000.00", "97000.00"]):
        assert (await sync_to_async(bid)(case, firm, amount)).accepted
    await sync_to_async(end_in)(case, 1.5)
    comm, snap = await connect(case, case.owner)
    status, seen = await receive_until(comm, "status", timeout=8)
    assert status["status"] == "closed"
    result = await comm.receive_json_from(timeout=5)
    assert result["type"] == "result" and result["winner"]["amount"] == "97000.00"
    assert result["version"] == status["version"] + 1
    await comm.disconnect()


class SlowConsumer(AuctionConsumer):
    """A consumer whose socket never drains (a client on a dead-slow link)."""

    gate = None

    async def send(self, text_data=None, bytes_data=None, close=False):
        kind = json.loads(text_data).get("type") if text_data else None
        if kind in ("bid", "status", "result") or (kind == "snapshot" and getattr(self, "_first_done", False)):
            await SlowConsumer.gate.wait()
        self._first_done = True
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)


@override_settings(AUCTION_SEND_QUEUE=2, AUCTION_MAX_OVERFLOWS=1)
async def test_a_slow_client_never_blocks_the_broadcast_and_is_dropped():
    from tests.bidding.auction_support import bid

    SlowConsumer.gate = asyncio.Event()
    case = await make_case(3)
    slow, _ = await connect(case, case.owner, SlowConsumer)
    fast, _ = await connect(case, case.owner)
    amounts = [f"{99000 - 500 * i}.00" for i in range(8)]
    for i, amount in enumerate(amounts):
        assert (await sync_to_async(bid)(case, case.firms[i % 3], amount)).accepted
        await asyncio.sleep(0.35)  # under the rate limit
    got = [await fast.receive_json_from(timeout=5) for _ in amounts]
    assert [m["amount"] for m in got] == amounts  # the fast watcher saw every bid, in time
    output = await slow.receive_output(timeout=5)
    assert output["type"] == "websocket.close" and output["code"] == 4408
    await fast.disconnect()


async def test_past_the_in_flight_limit_a_bid_is_refused_at_once_never_queued_nor_stored(monkeypatch):
    """No collapse: with AUCTION_MAX_BIDS_IN_FLIGHT bids of the process still in the
    database, another bid is answered `rate_limited` at once (not stored: the same
    client_id goes through once the load falls); a repeat of an answered bid on the same
    socket still gets its first answer."""
    import threading

    from bidding import services_auction
    from bidding.models import BidRejection

    case = await make_case(3)
    first, _ = await connect(case, case.firms[0])
    second, _ = await connect(case, case.firms[1])
    answered = await send_bid(first, "99000.00")
    await receive_until(first, "ack")

    entered, release = threading.Event(), threading.Event()
    real = services_auction.bid_place

    def held(**kwargs):
        entered.set()
        release.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(services_auction, "bid_place", held)
    with override_settings(AUCTION_MAX_BIDS_IN_FLIGHT=1):
        stuck = await send_bid(first, "98000.00")
        assert await asyncio.get_running_loop().run_in_executor(None, entered.wait, 5)
        cid = await send_bid(second, "97000.00")
        refused, _ = await receive_until(second, "rejected", timeout=2)
        assert refused["code"] == "rate_limited" and refused["client_id"] == cid and refused["message"]
        release.set()
        late, _ = await receive_until(first, "ack")
        assert late["client_id"] == stuck and late["seq"] == 2
    with override_settings(AUCTION_MAX_BIDS_IN_FLIGHT=0):  # nothing may enter the database now
        await first.send_json_to({"type": "bid", "amount": "99000.00", "client_id": answered})
        again, _ = await receive_until(first, "ack", timeout=2)
        assert again == {"type": "ack", "client_id": answered, "seq": 1}
        await send_bid(first, "96000.00")
        assert (await receive_until(first, "rejected", timeout=2))[0]["code"] == "rate_limited"
    assert not await sync_to_async(BidRejection.objects.filter(auction=case.auction, code="rate_limited").exists)()
    monkeypatch.setattr(services_auction, "bid_place", real)
    await send_bid(second, "97000.00", cid)
    ack, _ = await receive_until(second, "ack")
    assert ack["client_id"] == cid and ack["seq"] == 3
    await first.disconnect()
    await second.disconnect()
