"""The live auction socket `/ws/auctions/<auction id>/` (protocol fixed in PRODUCT.md).

A thin adapter: bids go to `bidding.services_auction.bid_place` (which commits before the
`ack` is sent and broadcasts after commit), snapshots come from
`bidding.selectors_auction.auction_snapshot`.

Robustness:
- a frame that is not JSON, not an object, binary, above AUCTION_MAX_FRAME (4096) characters, or of an
  unknown type is answered with `rejected` (code `invalid`); nothing a client sends can
  raise out of the consumer;
- each process subscribes once per auction to the channel layer (`_Hub`, on the "auctions"
  layer: Redis pub/sub in production) and hands each broadcast, encoded once, to its local
  sockets;
- every outgoing broadcast goes through a bounded per-connection queue drained by its own
  task, so the hub never waits on a socket; a connection whose queue overflows
  (AUCTION_SEND_QUEUE, 64) has its backlog dropped and is sent a fresh snapshot instead,
  and after AUCTION_MAX_OVERFLOWS (3) overflows it is disconnected (close code 4408); the
  client reconnects and resyncs. (Daphne's ASGI `send` itself never waits for the network:
  Twisted buffers; the bounded queue is what keeps a stalled connection from piling up);
- the lazy check runs on every message, and a per-connection timer advances the auction at
  its start and end times, so it closes on time while anyone is watching;
- the database is the truth: after advancing, and every AUCTION_POLL_SECONDS while the
  auction is open when that is set (the default without Redis), the process's hub re-reads
  the row and hands its sockets the `status` and `result` messages they have not seen
  (`bidding.selectors_auction.auction_changes_since`), so a change made by another process
  reaches every watcher even on the in-process channel layer, where the Celery worker's
  auction beat broadcasts to its own process only. With Redis the broadcast is the path and
  the re-read at due times a backstop.
"""

import asyncio
import json
import logging
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.consumer import get_handler_name
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.socket_guard import SessionGuardMixin
from bidding import metrics
from bidding.services_auction import AUCTION_LAYER, auction_group, iso

log = logging.getLogger(__name__)

SNAPSHOT = object()
ANSWERS_KEPT = 256  # per socket: the answers a repeated client_id gets without the database


_bid_pool: tuple[int, ThreadPoolExecutor] | None = None  # (pid, pool): a forked child makes its own


def _bid_executor() -> ThreadPoolExecutor | None:
    """The threads that place this process's bids (`AUCTION_BID_THREADS`), or None for the
    one database thread Channels uses for everything else."""
    global _bid_pool
    threads = _setting("AUCTION_BID_THREADS", 0)
    if threads <= 0:
        return None
    if _bid_pool is None or _bid_pool[0] != os.getpid():
        _bid_pool = (os.getpid(), ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bids"))
    return _bid_pool[1]


def bid_threads_stop() -> None:
    """Close the bid threads' database connections and stop the threads (the next bid
    starts new ones). For a test run's teardown: its database cannot be dropped while a
    thread still holds a connection to it."""
    global _bid_pool
    if _bid_pool is None or _bid_pool[0] != os.getpid():
        return
    pool, _bid_pool = _bid_pool[1], None
    threads = pool._max_workers
    # One task per thread: each waits at the barrier until every thread holds one, so
    # every thread closes its own connection.
    barrier = threading.Barrier(threads)

    def close() -> None:
        barrier.wait(timeout=10)
        connections.close_all()

    for future in [pool.submit(close) for _ in range(threads)]:
        future.result()
    pool.shutdown(wait=True)


class _InFlight:
    """Bids of this process between their arrival and their answer (one event loop per
    process; the consumer's code between awaits is never concurrent)."""

    count = 0


class _Hub:
    """One subscription per process (event loop) and auction: it receives each broadcast
    once from the channel layer and hands it to every local socket of the auction, instead
    of the layer delivering (and decoding) one copy per socket."""

    hubs: dict[tuple[int, int], "_Hub"] = {}

    def __init__(self, auction_id: int):
        self.auction_id = auction_id
        self.loop = asyncio.get_running_loop()
        self.members: set["AuctionConsumer"] = set()
        self.layer = get_channel_layer(AUCTION_LAYER)
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.poller: asyncio.Task | None = None
        self.ready = asyncio.Lock()
        self.seen = -1  # the highest version handed to the sockets (broadcast or re-read)
        self.final = False  # the result has been handed out: nothing more will change
        self.catching_up: asyncio.Future | None = None

    @classmethod
    def of(cls, auction_id: int) -> "_Hub":
        loop = asyncio.get_running_loop()
        key = (id(loop), auction_id)
        hub = cls.hubs.get(key)
        if hub is None or hub.loop is not loop:  # not a stale one of a dead loop (forked process)
            hub = cls.hubs[key] = cls(auction_id)
        return hub

    async def join(self, consumer) -> None:
        self.members.add(consumer)
        async with self.ready:
            if self.task is None:
                self.channel = await self.layer.new_channel()
                await self.layer.group_add(auction_group(self.auction_id), self.channel)
                self.task = asyncio.ensure_future(self._pump())
                if _setting("AUCTION_POLL_SECONDS", 0) > 0:
                    self.poller = asyncio.ensure_future(self._poll())

    async def leave(self, consumer) -> None:
        self.members.discard(consumer)
        async with self.ready:
            if not self.members and self.task is not None:
                self.task.cancel()
                self.task = None
                if self.poller is not None:
                    self.poller.cancel()
                    self.poller = None
                await self.layer.group_discard(auction_group(self.auction_id), self.channel)
                self.hubs.pop((id(asyncio.get_running_loop()), self.auction_id), None)

    async def _pump(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer reconnects; clients resync on the version gap
                log.exception("auction %s: channel layer receive failed", self.auction_id)
                await asyncio.sleep(0.5)
                continue
            self._dispatch(event)

    def _dispatch(self, event: dict) -> None:
        for ev in event["events"]:
            self.seen = max(self.seen, ev["version"])
            if ev["type"] == "result":
                self.final = True
        for consumer in list(self.members):
            consumer.on_events(event)

    async def catch_up(self) -> None:
        """Re-read the auction and hand every socket the status changes and result it has
        not seen. Calls made while one runs share it: one read per process, not per socket."""
        if self.catching_up is not None:
            await asyncio.shield(self.catching_up)
            return
        self.catching_up = asyncio.get_running_loop().create_future()
        try:
            await self._catch_up()
        finally:
            self.catching_up.set_result(None)
            self.catching_up = None

    async def _catch_up(self) -> None:
        from bidding.selectors_auction import auction_changes_since

        if self.final:
            return
        changes = await database_sync_to_async(auction_changes_since)(auction_id=self.auction_id,
                                                                        version=max(self.seen, 0))
        if changes is None or changes.version <= self.seen:
            return
        if changes.events:
            log.info("auction %s: versions up to %s re-read from the database", self.auction_id, changes.version)
            self._dispatch({"events": changes.events})
        if changes.resync_below:
            for consumer in list(self.members):
                consumer.resync(below=changes.resync_below)
        # Every socket now has, or is being sent, what the row holds: bids come through
        # the layer from the process that accepted them (or by the client's sync on a gap).
        self.seen = max(self.seen, changes.version)

    async def _poll(self) -> None:
        while not self.final:
            await asyncio.sleep(_setting("AUCTION_POLL_SECONDS", 0))
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("auction %s: re-reading the database failed", self.auction_id)


def _setting(name: str, default):
    return getattr(settings, name, default)


class AuctionConsumer(SessionGuardMixin, AsyncJsonWebsocketConsumer):
    # No channel of its own: the process's `_Hub` for the auction feeds it.
    channel_layer_alias = "auction-sockets-have-no-channel"

    async def connect(self):
        try:
            self.auction_id = int(self.scope["url_route"]["kwargs"]["auction_id"])
        except (KeyError, TypeError, ValueError):
            await self.close(code=4404)
            return
        state = await self._load(self.scope.get("user"))
        if state is None:
            await self.close(code=4404)
            return
        self.viewer, self.status, self.starts_at, self.ends_at = state
        if not self.viewer.may_watch:
            await self.close(code=4403)
            return
        self.group = auction_group(self.auction_id)
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=_setting("AUCTION_SEND_QUEUE", 64))
        self.overflows = 0
        self.snapshot_version = -1
        self.sent: set[int] = set()  # versions sent since the last snapshot (a broadcast and a re-read may both bring one)
        self.answers: dict[str, dict] = {}  # client_id -> the first answer given on this socket
        self.snapshot_pending = False
        self.hub = _Hub.of(self.auction_id)
        await self.hub.join(self)
        await self.accept()
        await self.auth_guard_start()  # closes with 4401 when the login ends
        metrics.AUCTION_SOCKETS.inc()
        self.counted = True
        self.sender = asyncio.ensure_future(self._send_loop())
        self.timer = asyncio.ensure_future(self._timer_loop())
        self._enqueue(SNAPSHOT)

    async def dispatch(self, message):
        """As Channels' `dispatch`, without its `close_old_connections` hop before every
        handler: that hop runs in the one database thread, so each frame (a ping, a bid to
        be refused at once for overload) would first wait behind every bid queued there.
        Every database call of this consumer goes through `database_sync_to_async`, which
        closes stale connections in that thread itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def disconnect(self, code):
        await self.auth_guard_stop()
        if getattr(self, "counted", False):
            self.counted = False
            metrics.AUCTION_SOCKETS.dec()
        if hasattr(self, "hub"):
            await self.hub.leave(self)
        for name in ("sender", "timer"):
            task = getattr(self, name, None)
            if task is not None:
                task.cancel()

    # --- incoming ---------------------------------------------------------------------

    async def websocket_receive(self, message):
        text = message.get("text")
        if text is None:
            await self._reject(None, "只接受 JSON 文本消息。")
            return
        if len(text) > _setting("AUCTION_MAX_FRAME", 4096):
            await self._reject(None, "消息过大，已拒绝。")
            return
        try:
            content = json.loads(text)
        except ValueError:
            await self._reject(None, "消息不是有效的 JSON。")
            return
        if not isinstance(content, dict):
            await self._reject(None, "消息须为 JSON 对象。")
            return
        try:
            await self.receive_json(content)
        except Exception:  # a bug must cost one answer, never the connection
            log.exception("auction %s: message failed", self.auction_id)
            await self._reject(_client_id(content), "服务器未能处理该消息，请重试。")

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "bid":
            await self._bid(content)
            return
        await self._lazy_check()
        if kind == "ping":
            await self.send_json({"type": "pong", "server_time": iso(timezone.now())})
        elif kind == "sync":
            self._enqueue(SNAPSHOT)
        else:
            await self._reject(_client_id(content), "未知的消息类型。")

    async def _bid(self, content):
        started = time.perf_counter()
        client_id = _client_id(content)
        if self.viewer.role != "bidder":
            await self.send_json({"type": "rejected", "client_id": client_id, "code": "not_eligible",
                                  "message": "您不是本场竞价的竞价人，只能观看。"})
            metrics.bid_answered(accepted=False, code="not_bidder", seconds=time.perf_counter() - started)
            return
        if self._auth_closed:
            await self._logged_out(client_id, started)
            return
        known = self.answers.get(client_id) if client_id else None
        if known is not None:  # a repeat on this socket: its first answer, without the database
            await self.send_json(known)
            metrics.bid_answered(accepted=known["type"] == "ack", code=known.get("code", ""),
                                 seconds=time.perf_counter() - started)
            return
        if _InFlight.count >= _setting("AUCTION_MAX_BIDS_IN_FLIGHT", 24):
            # Overload: answered at once instead of queueing behind the bids in flight (a
            # queue that grows until every bid times out is the collapse this prevents).
            # Not stored: the same client_id may be sent again.
            await self.send_json({"type": "rejected", "client_id": client_id, "code": "rate_limited",
                                  "message": "出价人数较多，服务器繁忙，本次出价未处理，请稍后再试。"})
            metrics.bid_answered(accepted=False, code="overloaded", seconds=time.perf_counter() - started)
            return
        _InFlight.count += 1
        try:
            # One trip to the database thread: the login re-check (every bid: the login
            # must still hold) and the bid, in that order.
            pool = _bid_executor()
            place = (DatabaseSyncToAsync(self._place, thread_sensitive=False, executor=pool) if pool is not None
                     else database_sync_to_async(self._place))
            login_ok, answer, broadcasts = await place(content.get("amount"), content.get("client_id"))
        finally:
            _InFlight.count -= 1
        if not login_ok:
            await self._logged_out(client_id, started)
            await self.auth_close()
            return
        await self._publish(broadcasts)
        message = answer.as_message()
        if answer.client_id and answer.code != "rate_limited":
            if len(self.answers) >= ANSWERS_KEPT:
                self.answers.pop(next(iter(self.answers)))
            self.answers[answer.client_id] = message
        await self.send_json(message)
        metrics.bid_answered(accepted=answer.accepted, code=answer.code, seconds=time.perf_counter() - started)

    async def _logged_out(self, client_id, started) -> None:
        await self.send_json({"type": "rejected", "client_id": client_id, "code": "not_eligible",
                              "message": "登录已失效，请重新登录后再报价。"})
        metrics.bid_answered(accepted=False, code="logged_out", seconds=time.perf_counter() - started)

    async def _reject(self, client_id, message: str):
        await self.send_json({"type": "rejected", "client_id": client_id, "code": "invalid", "message": message})

    # --- outgoing: the bounded queue ---------------------------------------------------

    def on_events(self, event):
        """From the hub: never waits on the socket."""
        texts = event.get("texts") or [json.dumps(ev) for ev in event["events"]]
        for ev, text in zip(event["events"], texts):
            if ev.get("ends_at"):
                self.ends_at = parse_datetime(ev["ends_at"])
            if ev["type"] == "status":
                self.status = ev["status"]
                self.starts_at = parse_datetime(ev["starts_at"])
            self._enqueue((ev["version"], text))

    def resync(self, *, below: int) -> None:
        """From the hub: a change it cannot rebuild as a message; a socket that has seen
        less than version `below` (and is not about to get a snapshot) gets one."""
        if not self.snapshot_pending and max(self.snapshot_version, max(self.sent, default=-1)) < below:
            self._enqueue(SNAPSHOT)

    def _enqueue(self, item) -> None:
        if item is SNAPSHOT:
            self.snapshot_pending = True
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflows += 1
            while not self.queue.empty():
                self.queue.get_nowait()
            if self.overflows > _setting("AUCTION_MAX_OVERFLOWS", 3):
                log.info("auction %s: closing a connection that fell behind", self.auction_id)
                asyncio.ensure_future(self.close(code=4408))
                return
            self.queue.put_nowait(SNAPSHOT)

    async def _send_loop(self):
        try:
            while True:
                item = await self.queue.get()
                if item is SNAPSHOT:
                    try:
                        snap = await self._snapshot()
                    except Exception:  # e.g. the database busy for longer than its timeout
                        log.exception("auction %s: snapshot failed, retrying", self.auction_id)
                        await asyncio.sleep(1.0)
                        self._enqueue(SNAPSHOT)
                        continue
                    result = snap.pop("_result")
                    self.snapshot_version = snap["version"]
                    self.snapshot_pending = False
                    self.sent.clear()
                    await self.send_json(snap)
                    if result is not None:
                        await self.send_json(result)
                elif item[0] > self.snapshot_version and item[0] not in self.sent:
                    # Events already in the last snapshot are skipped; others go out as they
                    # come (two processes may publish v6 just before v5: the client
                    # reorders briefly, and asks for a snapshot if the gap stays).
                    self.sent.add(item[0])
                    await self.send(text_data=item[1])
        except asyncio.CancelledError:
            pass

    # --- time -------------------------------------------------------------------------

    def _due_at(self):
        if self.status == "scheduled":
            return self.starts_at
        if self.status == "live":
            return self.ends_at
        return None

    async def _publish(self, broadcasts):
        """Send the committed changes collected by `broadcasts_deferred` to every process."""
        for group, message in broadcasts:
            try:
                await self.hub.layer.group_send(group, message)
            except Exception as exc:  # the bids are committed; clients resync on a gap
                log.warning("auction %s broadcast failed: %s", self.auction_id, exc)

    async def _lazy_check(self):
        due = self._due_at()
        if due is not None and timezone.now() >= due:
            await self._publish(await self._advance())

    async def _timer_loop(self):
        """Advance the auction when it is due (start, end), then have the hub re-read it, so
        the socket hears of the change whoever made it. Ends once the socket knows the
        auction is over; a failure costs one round, never the timer."""
        while True:
            try:
                due = self._due_at()
                if due is None:
                    return
                delay = (due - timezone.now()).total_seconds()
                if delay > 0:
                    await asyncio.sleep(min(delay, 5.0))
                    continue
                await asyncio.sleep(random.uniform(0, 0.2))  # spread many watchers' checks
                await self._publish(await self._advance())
                await self.hub.catch_up()
                await asyncio.sleep(0.5)
            except asyncio.CancelledError:
                return
            except Exception:
                log.exception("auction %s: timer failed", self.auction_id)
                await asyncio.sleep(1.0)

    # --- database ---------------------------------------------------------------------

    @database_sync_to_async
    def _load(self, user):
        from bidding.models import Auction
        from bidding.selectors_auction import auction_viewer

        auction = Auction.objects.select_related("request").filter(pk=self.auction_id).first()
        if auction is None:
            return None
        return auction_viewer(auction=auction, user=user), auction.status, auction.starts_at, auction.ends_at

    @database_sync_to_async
    def _snapshot(self) -> dict:
        from bidding.selectors_auction import auction_snapshot

        snap = auction_snapshot(auction_id=self.auction_id, alias=self.viewer.alias)
        self.status = snap["auction"]["status"]
        self.ends_at = parse_datetime(snap["auction"]["ends_at"])
        return snap

    @database_sync_to_async
    def _advance(self):
        from bidding.models import Auction
        from bidding.services_auction import (
            auction_advance,
            auction_is_due,
            broadcasts_deferred,
        )

        # The socket's own status changes only with what it is sent (the broadcast, or the
        # hub's re-read), never silently here: else a change made elsewhere would end the
        # timer with nothing told to the client.
        with broadcasts_deferred() as broadcasts:
            current = Auction.objects.filter(pk=self.auction_id).only("status", "starts_at", "ends_at").first()
            if current is not None and auction_is_due(current, timezone.now()):
                auction_advance(auction_id=self.auction_id, skip_locked=True)
        return broadcasts

    def _place(self, amount, client_id):
        """In a database thread (`_bid_executor` or Channels' one): (login still valid,
        answer, broadcasts); the bid is not placed when the login has ended. A failing re-check (a database hiccup) logs nobody out, as in
        `auth_recheck`."""
        from bidding.services_auction import bid_place, broadcasts_deferred

        if self._auth_user_id is not None:
            try:
                valid = self._auth_valid_for_action_sync()
            except Exception:
                log.warning("socket login re-check failed for user %s", self._auth_user_id, exc_info=True)
                valid = True
            if not valid:
                return False, None, []
        with broadcasts_deferred() as broadcasts:
            answer = bid_place(auction_id=self.auction_id, user=self.scope.get("user"), amount=amount,
                               client_id=client_id)
        return True, answer, broadcasts


def _client_id(content: dict):
    value = content.get("client_id")
    return value[:64] if isinstance(value, str) else None
