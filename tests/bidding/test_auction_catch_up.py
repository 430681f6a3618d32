"""Changes another process made reach every watcher through the socket's own re-read.

On the single-machine default the Celery worker starts and closes auctions and broadcasts
on its own in-process layer, which no Daphne socket hears. Here the "other process" is the
service called with its broadcasts collected and dropped (`broadcasts_deferred`): the row
changes, the channel layer never carries it.
"""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings
from django.utils import timezone

from bidding.services_auction import auction_advance, broadcasts_deferred
from tests.bidding.test_auction_socket import connect

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@sync_to_async
def scheduled_case(start_in: float, end_in: float):
    from bidding.models import Auction
    from tests.bidding.auction_support import auction_case

    case = auction_case(3, started=False)
    now = timezone.now()
    # No anti-sniping extension here: the bids must not move the end these tests wait for.
    Auction.objects.filter(pk=case.auction.pk).update(starts_at=now + timedelta(seconds=start_in),
                                                      ends_at=now + timedelta(seconds=end_in), extension_seconds=1)
    case.refresh()
    return case


@sync_to_async
def advance_elsewhere(case, at):
    """Start or close the auction as another process would: committed, never broadcast here."""
    with broadcasts_deferred() as dropped:
        auction_advance(auction_id=case.auction.pk, now=at)
    assert dropped, "the service did change the auction"
    return case.refresh()


@sync_to_async
def place(case, firm, amount):
    from tests.bidding.auction_support import bid

    assert bid(case, firm, amount).accepted


async def messages_until(comm, kind, timeout):
    seen = []
    while True:
        message = await comm.receive_json_from(timeout=timeout)
        seen.append(message)
        if message["type"] == kind:
            return seen


@override_settings(AUCTION_POLL_SECONDS=0)  # the due-time re-read alone, as with Redis
async def test_a_start_and_a_close_made_elsewhere_reach_the_watcher_at_their_due_times():
    case = await scheduled_case(start_in=1.5, end_in=4.0)
    comm, snap = await connect(case, case.owner)
    assert snap["auction"]["status"] == "scheduled" and snap["version"] == 0
    await advance_elsewhere(case, case.auction.starts_at)  # started before this socket's timer fires

    status = await comm.receive_json_from(timeout=5)
    assert status == {"type": "status", "version": 1, "status": "live",
                      "starts_at": snap["auction"]["starts_at"], "ends_at": snap["auction"]["ends_at"]}

    for firm, amount in zip(case.firms, ["99000.00", "98000.00", "97000.00"]):
        await place(case, firm, amount)  # accepted in "this" process: broadcast as usual
    bids = [await comm.receive_json_from(timeout=5) for _ in range(3)]
    assert [(m["type"], m["version"]) for m in bids] == [("bid", 2), ("bid", 3), ("bid", 4)]

    assert bids[-1]["ends_at"] == snap["auction"]["ends_at"]
    auction = await advance_elsewhere(case, case.auction.ends_at)  # closed before this socket's timer fires
    assert auction.status == "closed"
    seen = await messages_until(comm, "result", timeout=5)
    assert [(m["type"], m["version"]) for m in seen] == [("status", 5), ("result", 6)]
    assert seen[0]["status"] == "closed"
    assert seen[1]["winner"]["amount"] == "97000.00" and seen[1]["winner"]["name"]
    await comm.disconnect()


@override_settings(AUCTION_POLL_SECONDS=0.2)
async def test_the_periodic_re_read_tells_every_watcher_before_its_timer_would():
    """A void decided elsewhere long before the socket's next due time arrives within a poll."""
    case = await scheduled_case(start_in=60, end_in=120)
    watchers = [(await connect(case, case.owner))[0] for _ in range(3)]
    await advance_elsewhere(case, case.auction.ends_at)  # started and closed at once: no bid, void
    for comm in watchers:
        seen = await messages_until(comm, "result", timeout=3)
        assert [(m["type"], m.get("status"), m["version"]) for m in seen] == [
            ("status", "live", 1), ("status", "void", 2), ("result", None, 3)]
        assert seen[2]["winner"] is None
    # Told once: no duplicate from a later poll.
    await asyncio.sleep(0.6)
    for comm in watchers:
        assert await comm.receive_nothing(timeout=0.1)
        await comm.disconnect()


@override_settings(AUCTION_POLL_SECONDS=0.2)
async def test_a_start_missed_after_bids_is_told_by_a_fresh_snapshot():
    """The start's original end cannot be rebuilt once a bid moved it: a snapshot instead."""
    case = await scheduled_case(start_in=60, end_in=120)
    comm, snap = await connect(case, case.owner)

    @sync_to_async
    def start_and_bid_elsewhere():
        from tests.bidding.auction_support import bid

        with broadcasts_deferred():
            auction_advance(auction_id=case.auction.pk, now=case.auction.starts_at)
            assert bid(case, case.firms[0], "99000.00").accepted

    await start_and_bid_elsewhere()
    fresh = await comm.receive_json_from(timeout=3)
    assert fresh["type"] == "snapshot" and fresh["version"] == 2 and fresh["auction"]["status"] == "live"
    assert [b["amount"] for b in fresh["bids"]] == ["99000.00"]
    await comm.disconnect()
