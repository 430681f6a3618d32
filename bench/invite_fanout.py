"""Benchmark: invitations to N qualified firms with a real Celery worker, end to end.

Creates a throw-away PostgreSQL database (DATABASE_URL's server, name `<name>_bench`) with
N approved firms qualified for one service item (bulk, as fixture data: an approved entry
and a valid certificate each, every firm with an email address), then starts

- a Celery worker process (prefork, concurrency 1, Redis broker from REDIS_URL),
- a Daphne process, to which --sockets firms (spread over the id range, the first and the
  last included) connect their notification socket (`/ws/notifications/`) with a session,
- an SMTP sink in this process (the worker mails through Django's SMTP backend to it),

and also listens on the channel layer to the notification sockets' broadcast group. It
then publishes one request through `request_publish` (its "request.published" listener
enqueues the fan-out task) and records, from the publish call's start, the seconds until

- `invitations_s`: every firm has its invitation row,
- `inbox_s`: every firm has its inbox entry (accounts.Notification),
- `live_layer_s`: the broadcasts on the channel layer have named every firm (every open
  notification socket of every firm would have been told); null with the code of before
  this change, which sent one message per firm to the firm's own group,
- `sockets_max_s` / `sockets_p50_s`: the sampled sockets each received their
  `{"type": "notification", ...}` frame (the sockets' poll is set to 600 s so the frame
  comes from the push),
- `mails_s`: the SMTP sink has received one mail for every firm (`mail_duplicates` counts
  any firm mailed twice, `smtp_connections` the connections the worker opened).

Run nothing else on the same Redis database meanwhile: the test suite's cache.clear()
flushes it, channel-layer groups included, and broadcasts are then lost.

Not a timed test: `DATABASE_URL=postgres://… REDIS_URL=redis://…/N .venv/bin/python
bench/invite_fanout.py --firms 10000`; the last line is one JSON object.
"""

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


# ---------------------------------------------------------------------------------------
# An SMTP sink: counts connections and the recipients of every accepted message.


class SmtpSink:
    """In its own process (so that it competes with this one for no lock), with its
    counts in shared memory: connections, messages, distinct recipients, recipients twice."""

    def __init__(self) -> None:
        import multiprocessing as mp

        self._ctx = mp.get_context("fork")
        self._connections, self._messages = self._ctx.Value("i", 0), self._ctx.Value("i", 0)
        self._distinct, self._twice = self._ctx.Value("i", 0), self._ctx.Value("i", 0)
        self._port = self._ctx.Value("i", 0)
        self.proc = None

    connections = property(lambda self: self._connections.value)
    messages = property(lambda self: self._messages.value)
    distinct = property(lambda self: self._distinct.value)
    duplicates = property(lambda self: self._twice.value)
    port = property(lambda self: self._port.value)

    def start(self) -> "SmtpSink":
        self.proc = self._ctx.Process(target=lambda: asyncio.run(self._serve()), daemon=True)
        self.proc.start()
        deadline = time.monotonic() + 30
        while not self.port and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()

    async def _serve(self) -> None:
        self.seen: set[str] = set()
        server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self._port.value = server.sockets[0].getsockname()[1]
        async with server:
            await server.serve_forever()

    async def _session(self, reader, writer) -> None:
        self._connections.value += 1
        writer.write(b"220 sink ESMTP\r\n")
        rcpts: list[str] = []
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == b"MAIL":
                rcpts = []
                writer.write(b"250 ok\r\n")
            elif verb == b"RCPT":
                found = re.search(rb"<([^>]*)>", line)
                rcpts.append((found.group(1) if found else line[8:].strip()).decode())
                writer.write(b"250 ok\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                while (await reader.readline()) not in (b".\r\n", b""):
                    pass
                self._messages.value += 1
                for rcpt in rcpts:
                    if rcpt in self.seen:
                        self._twice.value += 1
                    else:
                        self.seen.add(rcpt)
                        self._distinct.value += 1
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:  # HELO, RSET, NOOP
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


# ---------------------------------------------------------------------------------------
# Fixture data


def make_firms(n: int, item) -> list[int]:
    """n approved intermediaries qualified for `item`, each with an email address (bulk)."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Organisation
    from core.uscc import uscc_check_char
    from market.models import Entry, Qualification

    codes = []
    for i in range(n):
        first17 = f"91360999MA{i:07d}"
        codes.append(first17 + uscc_check_char(first17))
    Organisation.objects.bulk_create(
        [Organisation(kind="intermediary", name=f"宜春测试中介{i}有限公司", uscc=c, region_id="360900",
                      email=f"firm{i}@bench.example.com") for i, c in enumerate(codes)],
        batch_size=2000,
    )
    ids = list(Organisation.objects.filter(uscc__in=codes).order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    Entry.objects.bulk_create(
        [Entry(organisation_id=pk, legal_rep="法人", status="approved", approved_at=now) for pk in ids], batch_size=2000
    )
    qtype = item.qualification_type
    grade = item.min_grade or (qtype.grades[-1] if qtype.grades else "")
    Qualification.objects.bulk_create(
        [Qualification(organisation_id=pk, qualification_type=qtype, grade=grade, cert_no=f"B-{pk}",
                       valid_until=timezone.localdate() + timedelta(days=365)) for pk in ids],
        batch_size=2000,
    )
    return ids


def sample(ids: list[int], k: int) -> list[int]:
    if k <= 0:
        return []
    if k >= len(ids):
        return list(ids)
    step = (len(ids) - 1) / (k - 1) if k > 1 else 0
    return sorted({ids[round(i * step)] for i in range(k)})


def group_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process group's live members, from /proc."""
    out = subprocess.run(["pgrep", "-g", str(pid)], capture_output=True, text=True).stdout.split()
    total = 0.0
    for p in {pid, *map(int, out)}:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# ---------------------------------------------------------------------------------------


async def socket_watch(url: str, origin: str, cookie: str, org_id: int, title: str, t0: list, got: dict,
                       opened: asyncio.Event, counter: list, total: int, gate: asyncio.Semaphore) -> None:
    from websockets.asyncio.client import connect

    async with gate:  # a few handshakes at a time: Daphne drops one not accepted within 5 s
        ws = await connect(url, additional_headers={"Origin": origin, "Cookie": cookie}, open_timeout=60)
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello", hello
    counter[0] += 1
    if counter[0] == total:
        opened.set()
    async with ws:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "notification" and message.get("title") == title and t0:
                got[org_id] = time.monotonic() - t0[0]
                return


async def layer_watch(n: int, t0: list, result: dict, stop: asyncio.Event) -> None:
    from channels.layers import get_channel_layer

    from accounts.services import NOTIFICATIONS_GROUP

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(NOTIFICATIONS_GROUP, channel)
    seen: set[int] = set()
    result["ready"] = True
    while not stop.is_set():
        try:
            message = await asyncio.wait_for(layer.receive(channel), 1)
        except asyncio.TimeoutError:
            continue
        seen.update(message.get("organisations") or [])
        result["announced"] = len(seen)
        if len(seen) >= n and "live_layer_s" not in result and t0:
            result["live_layer_s"] = round(time.monotonic() - t0[0], 2)
    await layer.group_discard(NOTIFICATIONS_GROUP, channel)


async def run(args, env, owner, req, firm_ids, cookies, sink, worker) -> dict:
    from asgiref.sync import sync_to_async

    from accounts.models import Notification
    from market.models import Invitation
    from market.services_requests import request_publish

    n = len(firm_ids)
    title = f"采购邀请：{req.title}"
    t0: list[float] = []
    got: dict[int, float] = {}
    layer: dict = {}
    stop = asyncio.Event()
    opened = asyncio.Event()
    counter = [0]
    port = env["_port"]
    url, origin = f"ws://127.0.0.1:{port}/ws/notifications/", f"http://127.0.0.1:{port}"
    gate = asyncio.Semaphore(10)
    watchers = [asyncio.ensure_future(socket_watch(url, origin, cookies[pk], pk, title, t0, got, opened, counter,
                                                   len(cookies), gate)) for pk in cookies]
    listener = asyncio.ensure_future(layer_watch(n, t0, layer, stop))
    if cookies:
        done, _ = await asyncio.wait([asyncio.ensure_future(opened.wait()), *watchers],
                                     timeout=300, return_when=asyncio.FIRST_EXCEPTION)
        if not opened.is_set():
            failed = [w for w in watchers if w.done() and w.exception()]
            raise RuntimeError(f"{counter[0]} of {len(cookies)} sockets opened: {failed[0].exception() if failed else 'timeout'}")
    while not layer.get("ready"):
        await asyncio.sleep(0.05)
    await asyncio.sleep(1)

    def counts() -> tuple[int, int, int]:
        from django.db import connection

        inv = Invitation.objects.filter(request=req)
        result = (inv.count(), Notification.objects.filter(dedupe_key=f"invitation:{req.pk}:1").count(),
                  inv.filter(mail_status="sent").count())
        connection.close()
        return result

    cpu_before = group_cpu_s(worker.pid)
    marks: dict[str, float] = {}
    t0.append(time.monotonic())
    await sync_to_async(request_publish, thread_sensitive=False)(request_id=req.pk, user=owner)
    marks["publish_s"] = time.monotonic() - t0[0]
    deadline = t0[0] + args.timeout
    while time.monotonic() < deadline:
        invitations, inbox, marked = await sync_to_async(counts, thread_sensitive=False)()
        now = time.monotonic() - t0[0]
        if invitations and "first_invitation_s" not in marks:
            marks["first_invitation_s"] = now
        for key, value in (("invitations_s", invitations), ("inbox_s", inbox), ("mails_marked_s", marked),
                           ("mails_s", sink.distinct)):
            if value >= n and key not in marks:
                marks[key] = now
        if all(k in marks for k in ("invitations_s", "inbox_s", "mails_marked_s", "mails_s")) and len(got) == len(cookies):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    stop.set()
    for w in watchers:
        w.cancel()
    await asyncio.gather(*watchers, listener, return_exceptions=True)
    times = sorted(got.values())
    return {
        **{k: round(v, 2) for k, v in marks.items()},
        "live_layer_s": layer.get("live_layer_s"),
        "layer_announced": layer.get("announced", 0),
        "sockets": len(cookies),
        "sockets_notified": len(got),
        "sockets_p50_s": round(statistics.median(times), 2) if times else None,
        "sockets_max_s": round(times[-1], 2) if times else None,
        "worker_cpu_s": round(group_cpu_s(worker.pid) - cpu_before, 1),
        "counts": dict(zip(("invitations", "inbox", "mails_marked"), await sync_to_async(counts)())),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--sockets", type=int, default=200, help="firms whose notification socket is open")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark runs a real worker on both.")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.runner import DiscoverRunner
    from django.test.utils import setup_test_environment

    from config.celery import app as celery_app

    setup_test_environment()
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bench-media-"))
    name = f"{settings.DATABASES['default']['NAME']}_bench"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = name
    # This process publishes; the worker process runs the task.
    celery_app.conf.update(task_always_eager=False, broker_url=os.environ["REDIS_URL"],
                           broker_transport=None, broker_transport_options={})
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old = runner.setup_databases()
    procs, sink = [], None
    tmp = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    try:
        from market.models import ServiceItem
        from tests.bidding import processes
        from tests.factories import owner_user, request_draft

        item = ServiceItem.objects.filter(qualification_type__isnull=False, active=True).order_by("code").first()
        started = time.perf_counter()
        firm_ids = make_firms(args.firms, item)
        owner = owner_user()
        req = request_draft(owner=owner, item=item)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the statistics autovacuum keeps on a live database
        fixture_s = time.perf_counter() - started

        from accounts.models import User

        sampled = sample(firm_ids, args.sockets)
        User.objects.bulk_create([User(username=f"bench-firm-{pk}", organisation_id=pk) for pk in sampled])
        cookies = {u.organisation_id: processes.session_cookie(u) for u in User.objects.filter(organisation_id__in=sampled)}

        sink = SmtpSink().start()
        env = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
               "EMAIL_PORT": str(sink.port), "NOTIFICATION_POLL_SECONDS": "600"}
        port = processes.free_port()
        daphne = processes.daphne(port, tmp / "daphne.log", **env)
        procs.append(daphne.start(wait=60))
        worker = processes.Proc(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING", "--concurrency=1",
             "--without-gossip", "--without-mingle"],
            env=processes.child_env(**env), log=tmp / "worker.log",
        )
        procs.append(worker.start())
        deadline = time.monotonic() + 120
        while not celery_app.control.ping(timeout=1):
            if time.monotonic() > deadline or worker.popen.poll() is not None:
                raise RuntimeError(f"the worker did not start: {(tmp / 'worker.log').read_text()[-2000:]}")
        load_before = os.getloadavg()
        figures = asyncio.run(run(args, {"_port": port}, owner, req, firm_ids, cookies, sink, worker.popen))
        load_after = os.getloadavg()
        figures.update({
            "smtp_messages": sink.messages,
            "mail_duplicates": sink.duplicates,
            "smtp_connections": sink.connections,
        })
        print(f"fixture: {args.firms} firms in {fixture_s:.1f} s ({connection.vendor}); worker log {tmp / 'worker.log'}")
        print(json.dumps({"firms": args.firms, **figures,
                          "loadavg_before": [round(x, 2) for x in load_before],
                          "loadavg_after": [round(x, 2) for x in load_after]}, ensure_ascii=False))
    finally:
        for proc in reversed(procs):
            proc.stop()
        if sink is not None:
            sink.stop()
        connection.close()
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
