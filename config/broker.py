"""The zero-setup Celery broker: kombu's SQLAlchemy transport on a SQLite file, with leases.

Chosen for `make run` (no Redis) after kombu's filesystem transport lost the worker: its
reader could open a message file before the writer had filled it, read an empty message
and die on it. A SQLite row is written and read atomically, and every process of the
machine (Daphne, the worker, its embedded beat, management commands) shares the file.

What this adds to kombu's own SQLAlchemy transport (used as is for the queue and message
tables, `kombu_queue` / `kombu_message`):

- **Leases, as Redis's visibility timeout.** Taking a message marks it invisible and stamps
  the time (one `BEGIN IMMEDIATE` transaction, so two consumers never take the same row);
  the row is deleted only when Celery acknowledges the message (after the task for
  `acks_late` tasks, before it otherwise) or rejects it without requeue. A rejected-with-
  requeue or unacknowledged message at a warm shutdown is made visible again. A message
  leased by a worker that died (SIGKILL, OOM) becomes visible again once its lease is older
  than `visibility_timeout` (default 360 s, above the task time limit), so nothing is lost.
  kombu's transport instead keeps every consumed row forever (flagged invisible) and
  re-inserts unacknowledged messages only on a warm shutdown.
- **WAL and a busy timeout** on every connection (readers never block the writer; a writer
  waits up to `busy_timeout` seconds, default 30, instead of failing with "database is
  locked"; an idle poll takes no lock at all), synchronous=NORMAL (no fsync inside the
  write lock; WAL loses no commit when a process dies), and no pooled connection crosses a
  fork (the worker forks its pool and its embedded beat).
- **A poison message never stops the consumer:** a row whose payload is not JSON is logged
  and deleted.
- **Concurrent first use:** two processes creating the tables or declaring the same queue
  at once on a fresh file (Daphne and the beat do) no longer fail on the loser's insert.

Use: `CELERY_BROKER_URL=sqla+sqlite:///<path>` (the default without REDIS_URL, see
`config/settings/base.py`) selects this transport. Remote control (`celery inspect`) is
not available on it: SQL tables have no fan-out, as with kombu's own SQLAlchemy transport.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import datetime, timedelta
from queue import Empty

from kombu.transport import sqlalchemy as kombu_sqla
from kombu.transport import virtual
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import IntegrityError

log = logging.getLogger(__name__)

DEFAULT_VISIBILITY_TIMEOUT = 360.0
DEFAULT_BUSY_TIMEOUT = 30.0
EXPIRED_CHECK_EVERY = 10.0  # seconds between two scans for expired leases, per channel


def _now() -> datetime:
    # kombu's model stamps `timestamp` with naive local time (datetime.now): same here.
    return datetime.now()


class QoS(virtual.QoS):
    """Acknowledging deletes the leased row; requeueing gives it back."""

    def ack(self, delivery_tag):
        self.channel._lease_end(delivery_tag, requeue=False)
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        # Not super().reject: that would re-insert a copy of the message (kombu's
        # `_restore`) and then, through ack, we would delete the row: one write, not two.
        self.channel._lease_end(delivery_tag, requeue=requeue)
        self._quick_ack(delivery_tag)


class Channel(kombu_sqla.Channel):
    QoS = QoS
    _engines: dict = {}  # our own cache: kombu's would hand us its engine for the same URL

    def __init__(self, connection, **kwargs):
        super().__init__(connection, **kwargs)
        options = connection.client.transport_options
        self.visibility_timeout = float(options.get("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT))
        self.busy_timeout = float(options.get("busy_timeout", DEFAULT_BUSY_TIMEOUT))
        self.synchronous = str(options.get("synchronous", "NORMAL")).upper()
        if self.synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"broker: synchronous must be NORMAL, FULL, EXTRA or OFF, not {self.synchronous}")
        self._leases: dict[str, int] = {}  # delivery tag -> message row id
        self._leases_lock = threading.Lock()
        self._expired_checked = 0.0
        self._queue_ids: dict[str, int] = {}

    # --- engine -------------------------------------------------------------------------

    def _engine_from_config(self):
        url = self.connection.client.hostname
        busy_ms = int(self.busy_timeout * 1000)
        # Pooled connections (closing the last connection of a WAL file checkpoints and
        # fsyncs it: a connection per message was 30 ms a message); a forked child (the
        # worker's pool, its embedded beat) drops the inherited ones, below.
        engine = create_engine(url, connect_args={"timeout": self.busy_timeout})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            # In WAL mode NORMAL loses no commit when a process dies (only, at worst, the
            # last ones on a power cut) and keeps the fsync out of the write lock.
            cursor.execute(f"PRAGMA synchronous={self.synchronous}")
            cursor.close()

        return engine

    def _open(self):
        url = self.connection.client.hostname
        cached = self._engines.get(url)
        if cached is None:
            with kombu_sqla._MUTEX:
                cached = self._engines.get(url)
                if cached is None:
                    from sqlalchemy.orm import sessionmaker

                    engine = self._engine_from_config()
                    for attempt in range(3):
                        try:
                            kombu_sqla.metadata.create_all(engine)
                            break
                        except kombu_sqla.OperationalError:  # another process created them first
                            time.sleep(0.1 * (attempt + 1))
                    cached = self._engines[url] = (engine, sessionmaker(bind=engine))
        return cached

    def _get_or_create(self, queue):
        """kombu's, safe when two processes declare the same new queue at once (Daphne and
        the beat do, on a fresh file): the loser of the insert reads the winner's row."""
        for attempt in range(3):
            try:
                return super()._get_or_create(queue)
            except IntegrityError:
                self.session.rollback()
                time.sleep(0.05 * (attempt + 1))
        return super()._get_or_create(queue)

    def _queue_id(self, queue) -> int:
        queue_id = self._queue_ids.get(queue)
        if queue_id is None:
            queue_id = self._queue_ids[queue] = self._get_or_create(queue).id
        return queue_id

    def _put(self, queue, payload, **kwargs):
        """One INSERT, not kombu's ORM round (the same row)."""
        table = self.message_cls.__table__
        queue_id = self._queue_id(queue)
        try:
            self.session.execute(table.insert().values(queue_id=queue_id, payload=json.dumps(payload),
                                                       visible=True, version=1))
            self.session.commit()
        except kombu_sqla.OperationalError:
            self.session.rollback()
            raise  # the publish fails (and Celery retries it) rather than being lost

    # --- taking a message: a lease ------------------------------------------------------

    def _release_expired(self, queue_id: int) -> None:
        now = time.monotonic()
        if now - self._expired_checked < EXPIRED_CHECK_EVERY:
            return
        self._expired_checked = now
        table = self.message_cls.__table__
        cutoff = _now() - timedelta(seconds=self.visibility_timeout)
        result = self.session.execute(
            table.update()
            .where(table.c.queue_id == queue_id, table.c.visible == False, table.c.timestamp < cutoff)  # noqa: E712
            .values(visible=True)
        )
        if result.rowcount:
            log.warning("broker: %d message(s) whose consumer died are delivered again", result.rowcount)

    def _get(self, queue):
        queue_id = self._queue_id(queue)
        session = self.session
        table = self.message_cls.__table__
        if time.monotonic() - self._expired_checked < EXPIRED_CHECK_EVERY:
            # An idle poll takes no write lock: producers never queue behind it.
            waiting = session.execute(
                table.select().with_only_columns(table.c.id)
                .where(table.c.queue_id == queue_id, table.c.visible == True).limit(1)  # noqa: E712
            ).first()
            session.commit()
            if waiting is None:
                raise Empty()
        session.execute(text("BEGIN IMMEDIATE"))  # the write lock first: one taker per row
        try:
            self._release_expired(queue_id)
            row = session.execute(
                table.select()
                .with_only_columns(table.c.id, table.c.payload)
                .where(table.c.queue_id == queue_id, table.c.visible == True)  # noqa: E712
                .order_by(table.c.id)
                .limit(1)
            ).first()
            if row is None:
                raise Empty()
            session.execute(table.update().where(table.c.id == row.id).values(visible=False, timestamp=_now()))
            try:
                payload = json.loads(bytes_to_str(row.payload))
                tag = payload["properties"]["delivery_tag"]
            except (ValueError, TypeError, KeyError) as exc:
                log.error("broker: dropping unreadable message %s from %s: %s", row.id, queue, exc)
                session.execute(table.delete().where(table.c.id == row.id))
                raise Empty() from exc
            with self._leases_lock:
                self._leases[tag] = row.id
            return payload
        finally:
            session.commit()

    def _lease_end(self, delivery_tag, *, requeue: bool) -> None:
        """Delete (ack, reject) or give back (requeue) the leased row. Acks may come from
        another thread than the consumer's: a connection of its own, not the session."""
        with self._leases_lock:
            row_id = self._leases.pop(delivery_tag, None)
        if row_id is None:
            return
        engine, _ = self._open()
        table = self.message_cls.__table__
        statement = (table.update().where(table.c.id == row_id).values(visible=True) if requeue
                     else table.delete().where(table.c.id == row_id))
        for attempt in range(5):
            try:
                with engine.begin() as conn:
                    conn.execute(statement)
                return
            except kombu_sqla.OperationalError as exc:  # locked past busy_timeout: rare, retry
                log.warning("broker: could not end lease of message %s (%s), retrying", row_id, exc)
                time.sleep(0.5 * (attempt + 1))
        log.error("broker: lease of message %s left to expire", row_id)

    def _restore(self, message):
        """An unacknowledged message at shutdown (or requeued) becomes visible again."""
        with self._leases_lock:
            leased = message.delivery_tag in self._leases
        if leased:
            self._lease_end(message.delivery_tag, requeue=True)
        else:
            super()._restore(message)

    def _size(self, queue):
        try:
            return super()._size(queue)
        finally:
            self.session.commit()  # never hold a connection (and a read snapshot) between calls


def _forget_engines_after_fork() -> None:
    """In a forked child, never use the parent's pooled SQLite connections."""
    for engine, _ in Channel._engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_engines_after_fork)


class Transport(kombu_sqla.Transport):
    Channel = Channel
