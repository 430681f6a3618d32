"""The auction across real processes: two Daphne processes on Redis, and a crash of Daphne
and the Celery worker in the middle of a live auction. PostgreSQL + Redis only."""

import asyncio
import json
import os
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bidding.models import Auction, Bid
from tests.bidding import processes
from tests.bidding.auction_support import auction_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_and_redis_only():
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")


@pytest.fixture
def procs(tmp_path):
    started = []

    def add(proc):
        started.append(proc)
        return proc.start()

    yield add, tmp_path
    for proc in started:
        proc.stop()


class Client:
    """A protocol client over a real socket: keeps the version, resyncs on a gap."""

    def __init__(self, port, auction_id, cookie=None):
        self.url = f"ws://127.0.0.1:{port}/ws/auctions/{auction_id}/"
        self.headers = {"Origin": f"http://127.0.0.1:{port}"}
        if cookie:
            self.headers["Cookie"] = cookie
        self.ws = None
        self.messages = []
        self.version = -1
        self.bids = {}
        self.result = None

    async def open(self, port=None):
        from websockets.asyncio.client import connect

        if port is not None:
            self.url = self.url.replace(self.url.split("/")[2], f"127.0.0.1:{port}")
            self.headers["Origin"] = f"http://127.0.0.1:{port}"
        self.ws = await connect(self.url, additional_headers=self.headers)
        await self.until(lambda m: m["type"] == "snapshot")
        return self

    def _apply(self, m):
        self.messages.append(m)
        if m["type"] == "snapshot":
            self.version = m["version"]
            self.bids = {b["seq"]: b for b in m["bids"]}
        elif m["type"] == "bid":
            self.bids[m["seq"]] = m
            self.version = max(self.version, m["version"])
        elif m["type"] == "result":
            self.result = m

    async def until(self, pred, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching message; last: {self.messages[-3:]}")
            m = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            self._apply(m)
            if pred(m):
                return m

    async def bid(self, amount, client_id=None):
        client_id = client_id or str(uuid.uuid4())
        await self.ws.send(json.dumps({"type": "bid", "amount": amount, "client_id": client_id}))
        return await self.until(lambda m: m["type"] in ("ack", "rejected") and m["client_id"] == client_id)

    async def close(self):
        if self.ws is not None:
            await self.ws.close()


def test_a_bid_through_one_daphne_reaches_a_watcher_on_another(procs):
    add, tmp = procs
    case = auction_case(3)
    port_a = processes.free_port()
    add(processes.daphne(port_a, tmp / "a.log"))
    port_b = processes.free_port({port_a})
    add(processes.daphne(port_b, tmp / "b.log"))
    cookie = processes.session_cookie(case.firms[0])

    async def scenario():
        bidder = await Client(port_a, case.auction.pk, cookie).open()
        watcher = await Client(port_b, case.auction.pk).open()  # anonymous: the request is public
        ack = await bidder.bid("99000.00")
        assert ack["type"] == "ack" and ack["seq"] == 1
        seen = await watcher.until(lambda m: m["type"] == "bid")
        assert seen["seq"] == 1 and seen["amount"] == "99000.00" and seen["alias"].endswith("号")
        await bidder.close()
        await watcher.close()

    asyncio.run(scenario())


def test_crash_of_daphne_and_celery_loses_no_acked_bid_and_closes_on_time(procs):
    add, tmp = procs
    case = auction_case(3)
    ends = timezone.now() + timedelta(seconds=20)
    Auction.objects.filter(pk=case.auction.pk).update(ends_at=ends, extension_seconds=2)
    port = processes.free_port()
    redis = os.environ["REDIS_URL"]
    env = {"CELERY_BROKER_URL": redis, "AUCTION_SWEEP_SECONDS": "1"}
    server = add(processes.daphne(port, tmp / "daphne.log", **env))
    worker = add(processes.celery_worker(tmp / "celery.log", tmp / "beat-schedule", **env))
    cookies = [processes.session_cookie(f) for f in case.firms]
    acked: dict[int, str] = {}

    async def phase_one():
        clients = [await Client(port, case.auction.pk, c).open() for c in cookies]
        watcher = await Client(port, case.auction.pk).open()
        for client, amount in zip(clients, ["99000.00", "98000.00", "97000.00"]):
            answer = await client.bid(amount)
            assert answer["type"] == "ack"
            acked[answer["seq"]] = amount
        return clients, watcher

    clients, watcher = asyncio.run(phase_one())
    server.kill()
    worker.kill()
    time.sleep(1)
    # Every acknowledged bid is in the database after the crash.
    rows = dict(Bid.objects.filter(auction=case.auction).values_list("seq", "amount"))
    assert {seq: f"{amount}" for seq, amount in rows.items()} == acked

    server = add(processes.daphne(port, tmp / "daphne2.log", **env))
    worker = add(processes.celery_worker(tmp / "celery2.log", tmp / "beat-schedule", **env))

    async def phase_two():
        # The clients reconnect and resync: the snapshot has every bid.
        for c in clients + [watcher]:
            await c.open(port)
            assert set(c.bids) == set(acked)
        answer = await clients[0].bid("96000.00")
        assert answer["type"] == "ack"
        acked[answer["seq"]] = "96000.00"
        await watcher.until(lambda m: m["type"] == "bid" and m["seq"] == answer["seq"])
        for c in clients + [watcher]:
            await c.close()  # nobody watches: only the beat sweep can close it now

    asyncio.run(phase_two())
    auction = Auction.objects.get(pk=case.auction.pk)
    deadline = auction.ends_at + timedelta(seconds=15)
    while Auction.objects.get(pk=case.auction.pk).status == Auction.Status.LIVE and timezone.now() < deadline:
        time.sleep(0.25)
    auction = Auction.objects.get(pk=case.auction.pk)
    assert auction.status == Auction.Status.CLOSED
    assert auction.ends_at <= auction.closed_at <= auction.ends_at + timedelta(seconds=4)
    assert auction.ranking[0]["amount"] == "96000.00"
    assert auction.ranking[0]["code"] == case.firms[0].organisation.uscc
    assert Bid.objects.filter(auction=auction).count() == len(acked) == 4

    async def late_watcher():
        c = await Client(port, case.auction.pk).open()
        result = await c.until(lambda m: m["type"] == "result")
        await c.close()
        return result

    result = asyncio.run(late_watcher())
    assert result["winner"]["code"] == case.firms[0].organisation.uscc
