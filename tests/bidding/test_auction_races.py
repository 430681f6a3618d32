"""The auction under real concurrency on PostgreSQL: 50 bidders × 20 bids at the same time."""

import random
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from audit.selectors import chain_verify
from bidding.models import Auction, Bid
from bidding.services_auction import auction_advance, bid_place
from market.lifecycle import request_chain
from tests.bidding.auction_support import auction_case, end_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BIDDERS, BIDS_EACH = 50, 20


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("races are proven on PostgreSQL (SQLite serialises every writer)")


def test_fifty_bidders_twenty_bids_each_at_once():
    case = auction_case(BIDDERS, ceiling="1000000.00")
    auction_id = case.auction.pk
    step = case.auction.min_step
    barrier = threading.Barrier(BIDDERS)
    answers, errors = [], []
    lock = threading.Lock()

    def run(user):
        from django.db import connection as conn

        rng = random.Random(user.pk)
        try:
            barrier.wait()
            for _ in range(BIDS_EACH):
                best = Auction.objects.filter(pk=auction_id).values_list("best_amount", flat=True).get()
                base = best if best is not None else Decimal("1000000.00") + step
                amount = base - step * rng.choice([1, 1, 2, 3])
                answer = bid_place(auction_id=auction_id, user=user, amount=str(amount), client_id=uuid.uuid4())
                with lock:
                    answers.append((user.organisation_id, answer))
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(firm,)) for firm in case.firms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[0]

    acks = [a for _, a in answers if a.accepted]
    rejections = [a for _, a in answers if not a.accepted]
    assert len(acks) + len(rejections) == BIDDERS * BIDS_EACH
    # On a quick machine enough bids get through to reach the floor: refusing them is right.
    assert {a.code for a in rejections} <= {"step_too_small", "rate_limited", "below_floor"}
    bids = list(Bid.objects.filter(auction_id=auction_id).order_by("seq"))
    assert len(bids) == len(acks) > 10
    assert [b.seq for b in bids] == list(range(1, len(bids) + 1))
    assert sorted(a.seq for a in acks) == [b.seq for b in bids]  # every ack is a committed bid
    for before, after in zip(bids, bids[1:]):
        assert after.amount <= before.amount - step  # strictly falling, by at least the step
    floor = Auction.objects.get(pk=auction_id).floor
    assert floor is None or bids[-1].amount >= floor
    assert len({b.amount for b in bids}) == len(bids)
    auction = Auction.objects.get(pk=auction_id)
    assert auction.best_amount == min(b.amount for b in bids) == bids[-1].amount
    assert auction.version == 1 + len(bids)  # the start, then one per bid

    end_in(case, -1)
    auction_advance(auction_id=auction_id)
    auction = Auction.objects.get(pk=auction_id)
    assert auction.status == Auction.Status.CLOSED
    assert Decimal(auction.ranking[0]["amount"]) == min(b.amount for b in bids)
    assert auction.ranking[0]["code"] == bids[-1].organisation.uscc
    assert chain_verify(chain=request_chain(case.request)).ok
