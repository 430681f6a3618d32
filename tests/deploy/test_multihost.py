"""The production layout across three hosts (network namespaces made by
scripts/multihost.sh from the files in deploy/): a live auction with its bidders on
application host A and its watchers on application host B, both through one nginx; host A
is killed mid-auction.

What it proves: every acknowledged bid survives the loss of the host that acknowledged
it; the bidders reconnect through nginx to host B and resync (an unanswered bid, re-sent
with its client_id, is answered once); every client ends with the same ladder, version and
result as the database; the auction closes on time with nobody watching (beat on the data
host, the worker of host B); the request id set by the client goes through nginx into
host A's and B's JSON logs; /metrics is closed through nginx and open to the monitoring
address.

Runs only under scripts/multihost.sh (which sets MULTIHOST_* and DATABASE_URL/REDIS_URL
to the data host); skipped otherwise.
"""

import asyncio
import json
import os
import random
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

pytestmark = [
    pytest.mark.multihost,
    pytest.mark.skipif(not os.environ.get("MULTIHOST_URL"), reason="run by scripts/multihost.sh (root, namespaces)"),
]

URL = os.environ.get("MULTIHOST_URL", "")
LOGS = Path(os.environ.get("MULTIHOST_LOGS", "."))
HOST_LOGS = {"A": LOGS / "app-a-daphne-8001.log", "B": LOGS / "app-b-daphne-8001.log"}


@pytest.fixture
def data_host(django_db_blocker):
    """The data host's database as migrated by the script (no test database)."""
    with django_db_blocker.unblock():
        yield


def _ssl() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=os.environ["MULTIHOST_CA"])


def host_of(request_id: str, timeout: float = 5) -> str:
    """Which application host logged the websocket handshake with this request id (the
    connect line is written before the handshake is answered)."""
    deadline = time.monotonic() + timeout
    needle = f'"request_id": "{request_id}"'
    while time.monotonic() < deadline:
        for host, path in HOST_LOGS.items():
            if path.exists() and needle in path.read_text(errors="replace"):
                return host
        time.sleep(0.05)
    raise AssertionError(f"no host logged request id {request_id}")


class NotSent(ConnectionError):
    """The connection was already gone: the bid never left."""


class Unanswered(ConnectionError):
    """The bid left, the connection died before its answer."""


class Client:
    """A protocol client through nginx: applies snapshots and events, asks for a snapshot
    on a version gap, answers `bid` with the ack/rejected of its client_id."""

    def __init__(self, name: str, auction_id: int, cookie: str | None = None):
        self.name, self.auction_id, self.cookie = name, auction_id, cookie
        self.ws = None
        self.host = None
        self.version = -1
        self.bids: dict[int, dict] = {}
        self.status = None
        self.result = None
        self.pending: dict[str, asyncio.Future] = {}
        self.snapshot = asyncio.Event()
        self.reader: asyncio.Task | None = None
        self.request_ids: list[str] = []

    async def connect(self, want: str | None = None, attempts: int = 30) -> "Client":
        """Connect through nginx; with `want`, until nginx hands the socket to that host."""
        from websockets.asyncio.client import connect

        for _ in range(attempts):
            rid = uuid.uuid4().hex
            headers = {"Origin": URL, "X-Request-ID": rid}
            if self.cookie:
                headers["Cookie"] = self.cookie
            try:
                ws = await connect(f"{URL.replace('https', 'wss')}/ws/auctions/{self.auction_id}/",
                                   additional_headers=headers, ssl=_ssl(), open_timeout=10)
            except (OSError, asyncio.TimeoutError, Exception):  # nginx still failing over
                await asyncio.sleep(0.3)
                continue
            host = await asyncio.to_thread(host_of, rid)
            if want and host != want:
                await ws.close()
                continue
            self.ws, self.host = ws, host
            self.request_ids.append(rid)
            self.snapshot.clear()
            self.reader = asyncio.ensure_future(self._read())
            await asyncio.wait_for(self.snapshot.wait(), 10)
            return self
        raise AssertionError(f"{self.name}: no connection to host {want} in {attempts} attempts")

    async def _read(self):
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                m = json.loads(raw)
                kind = m["type"]
                if kind in ("ack", "rejected"):
                    fut = self.pending.pop(m.get("client_id"), None)
                    if fut is not None and not fut.done():
                        fut.set_result(m)
                elif kind == "snapshot":
                    self.version = m["version"]
                    self.bids = {b["seq"]: {"alias": b["alias"], "amount": b["amount"]} for b in m["bids"]}
                    self.status = m["auction"]["status"]
                    self.snapshot.set()
                elif kind in ("bid", "status", "result"):
                    if m["version"] > self.version + 1 and self.snapshot.is_set():
                        await self.ws.send(json.dumps({"type": "sync"}))  # a gap: resync
                    if kind == "bid":
                        self.bids[m["seq"]] = {"alias": m["alias"], "amount": m["amount"]}
                    elif kind == "status":
                        self.status = m["status"]
                    else:
                        self.result = m
                    self.version = max(self.version, m["version"])
        except ConnectionClosed:
            pass
        finally:
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(Unanswered("connection lost before the answer"))
            self.pending.clear()

    async def bid(self, amount: str, client_id: str) -> dict:
        """The answer to a bid; NotSent or Unanswered when the connection dies first."""
        if not self.alive:
            raise NotSent("connection closed")
        fut = asyncio.get_running_loop().create_future()
        self.pending[client_id] = fut
        try:
            await self.ws.send(json.dumps({"type": "bid", "amount": amount, "client_id": client_id}))
        except Exception as exc:
            self.pending.pop(client_id, None)
            raise NotSent(str(exc)) from exc
        return await asyncio.wait_for(fut, 15)

    @property
    def alive(self) -> bool:
        return self.reader is not None and not self.reader.done()

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.wait_for(self.reader, 5)


def kill_host_a() -> None:
    """Host A is gone: every process in its namespace SIGKILLed, then its cable pulled."""
    ns = os.environ["MULTIHOST_NS_A"]
    pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, check=True).stdout.split()
    assert pids, "host A runs nothing"
    subprocess.run(["kill", "-9", *pids], check=True)
    deadline = time.monotonic() + 10
    while subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.strip():
        assert time.monotonic() < deadline, "host A's processes did not die"
        time.sleep(0.05)
    subprocess.run(["ip", "link", "set", os.environ["MULTIHOST_VETH_A"], "down"], check=True)


def db_ladder(auction_id: int) -> dict[int, dict]:
    from bidding.models import Bid

    return {b.seq: {"alias": b.bidder.alias, "amount": f"{b.amount}"}
            for b in Bid.objects.filter(auction_id=auction_id).select_related("bidder")}


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, context=_ssl() if url.startswith("https") else None, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


def test_auction_across_hosts_survives_the_loss_of_an_application_host(data_host):
    from bidding.models import Auction
    from tests.bidding import processes
    from tests.bidding.auction_support import auction_case

    case = auction_case(3)
    auction_id = case.auction.pk
    Auction.objects.filter(pk=auction_id).update(extension_seconds=2)
    cookies = [processes.session_cookie(f) for f in case.firms]
    step = Decimal(case.auction.min_step)
    acked: dict[int, tuple[str, str]] = {}       # seq -> (client_id, amount)
    log: dict[str, int] = {"refused": 0, "unanswered": 0, "resent_acked_same_seq": 0, "resent_placed_now": 0,
                           "resent_refused": 0}
    timings = {}

    async def scenario():
        watchers = [await Client(f"watcher{i}", auction_id).connect(want="B") for i in range(3)]
        bidders = [await Client(f"bidder{i}", auction_id, c).connect(want="A") for i, c in enumerate(cookies)]
        # The auction ends 25 s from now; the bidding takes the first ~9 s of it.
        ends = timezone.now() + timedelta(seconds=25)
        await asyncio.to_thread(lambda: Auction.objects.filter(pk=auction_id).update(ends_at=ends))
        killed = asyncio.Event()
        stop_at = time.monotonic() + 9

        async def bidder_loop(client: Client):
            while time.monotonic() < stop_at:
                best = min((Decimal(b["amount"]) for b in client.bids.values()), default=Decimal(case.auction.ceiling))
                amount = f"{best - step - random.randint(0, 2) * Decimal('100'):.2f}"
                client_id = str(uuid.uuid4())
                try:
                    answer = await client.bid(amount, client_id)
                except ConnectionError as lost:
                    unanswered = isinstance(lost, Unanswered)
                    log["unanswered"] += unanswered
                    await killed.wait()
                    await client.connect(want="B")   # through nginx, to the host that is left
                    known = set(client.bids)          # the ladder of the resync snapshot
                    # Send (again) with the same client_id: answered exactly once.
                    answer = await client.bid(amount, client_id)
                    if unanswered and answer["type"] == "ack":
                        log["resent_acked_same_seq" if answer["seq"] in known else "resent_placed_now"] += 1
                    elif unanswered:
                        log["resent_refused"] += 1
                if answer["type"] == "ack":
                    acked[answer["seq"]] = (client_id, amount)
                else:
                    log["refused"] += 1
                await asyncio.sleep(random.uniform(0.45, 0.7))  # under the 2 bids/s rule

        async def killer():
            await asyncio.sleep(4)
            before = dict(acked)
            await asyncio.to_thread(kill_host_a)
            timings["killed_at_acks"] = len(before)
            killed.set()
            # Every bid acknowledged before the kill is in the database.
            ladder = await asyncio.to_thread(db_ladder, auction_id)
            for seq, (_, amount) in before.items():
                assert ladder.get(seq, {}).get("amount") == amount, f"acked bid {seq} lost"

        await asyncio.gather(killer(), *(bidder_loop(b) for b in bidders))
        for b in bidders:  # a bidder with no bid in flight notices the loss here
            if not b.alive:
                await b.connect(want="B")
        assert all(b.host == "B" for b in bidders)

        # Live phase: every watcher (host B all along) reaches the database's version and ladder.
        auction = await asyncio.to_thread(lambda: Auction.objects.get(pk=auction_id))
        ladder = await asyncio.to_thread(db_ladder, auction_id)
        deadline = time.monotonic() + 10
        while any(c.version < auction.version for c in watchers + bidders) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for c in watchers + bidders:
            assert c.version == auction.version, (c.name, c.version, auction.version)
            assert c.bids == ladder, c.name
        for seq, (_, amount) in acked.items():
            assert ladder[seq]["amount"] == amount
        timings["bids"] = len(ladder)

        # Nobody watches: only the beat (data host) and host B's worker can close it now.
        for c in watchers + bidders:
            await c.close()
        while await asyncio.to_thread(lambda: Auction.objects.get(pk=auction_id).status) == Auction.Status.LIVE:
            assert timezone.now() < ends + timedelta(seconds=15), "the auction did not close"
            await asyncio.sleep(0.25)
        closed = await asyncio.to_thread(lambda: Auction.objects.get(pk=auction_id))
        assert closed.status == Auction.Status.CLOSED
        # Beat every second: normally under 1 s; the bound leaves room for a loaded machine.
        assert closed.ends_at <= closed.closed_at <= closed.ends_at + timedelta(seconds=8), \
            (closed.ends_at, closed.closed_at)
        timings["close_delay_s"] = round((closed.closed_at - closed.ends_at).total_seconds(), 2)

        # Everyone comes back through nginx (to host B): same ladder, version and result.
        for c in watchers + bidders:
            c.result = None
            await c.connect()
            assert c.host == "B"
        deadline = time.monotonic() + 10
        while any(c.result is None for c in watchers + bidders) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        final = await asyncio.to_thread(db_ladder, auction_id)
        best_seq = max(final)
        for c in watchers + bidders:
            assert c.status == "closed" and c.version == closed.version and c.bids == final, c.name
            assert c.result is not None and c.result["version"] == closed.version, c.name
            assert c.result == watchers[0].result
        winner = watchers[0].result["winner"]
        assert winner["amount"] == final[best_seq]["amount"] == closed.ranking[0]["amount"]
        assert winner["code"] == closed.ranking[0]["code"]
        for c in watchers + bidders:
            await c.close()
        return watchers + bidders

    clients = asyncio.run(scenario())
    assert log["unanswered"] + len(acked) + log["refused"] > 10
    print(f"\nmultihost: {timings['bids']} bids in the ladder, {len(acked)} acked, {log['refused']} refused; "
          f"{timings['killed_at_acks']} acked before host A was killed; unanswered at the kill: "
          f"{log['unanswered']} (re-sent: {log['resent_acked_same_seq']} already committed, "
          f"{log['resent_placed_now']} placed then, {log['resent_refused']} refused); "
          f"closed {timings['close_delay_s']} s after its end")

    # The client's request ids went through nginx into the hosts' JSON logs.
    for c in clients:
        for rid in c.request_ids:
            line = next(json.loads(line) for path in HOST_LOGS.values()
                        for line in path.read_text(errors="replace").splitlines() if rid in line)
            assert line["request_id"] == rid and line["message"].startswith("websocket connect")
    beat_lines = [json.loads(line) for line in (LOGS / "data-beat.log").read_text().splitlines() if line.startswith("{")]
    assert beat_lines, "beat logs JSON lines"

    # /metrics: 404 through nginx; open on host B's Daphne to the monitoring address.
    assert http_get(f"{URL}/metrics")[0] == 404
    status, body = http_get(f"http://{os.environ['MULTIHOST_IP_B']}:8001/metrics")
    assert status == 200
    assert 'zjcs_auctions{status="closed"} 1.0' in body
    accepted = [line for line in body.splitlines() if line.startswith("zjcs_bids_accepted_total ")]
    assert accepted and float(accepted[0].split()[1]) >= 1  # the bids host B took after the kill
    assert "zjcs_celery_queue_depth{queue=\"celery\"}" in body
