"""Soak: the zero-setup `make run` configuration through many live auctions.

Starts `scripts/run.sh` exactly as `make run` does (SQLite, in-process channel layer, the
SQLite Celery broker, Daphne + a Celery worker with embedded beat, no other service)
against a fresh VAR_DIR (a temporary folder: the developer's var/ is never touched) and a
free port (from TEST_PORT_BASE, default 8700), after `migrate` and `load_demo` there. Then
runs --auctions auctions of --minutes minutes, --concurrency at a time (1: back to back),
each created through the services as `manage.py demo_auction` does (a request of the demo
owner, published, three demo firms signed up, sign-up closed, the auction scheduled
--lead seconds ahead). Nobody but the server starts or closes an auction: the Celery
worker's auction beat and the sockets' own timers race for it, as in real use.

Per auction: --watchers anonymous watcher sockets connect before the start and read until
`result`, handling versions as the room page does (hold early messages, `sync` after a
gap of 0.5 s, reconnect on a drop with the page's back-off); the three bidders bid a few times in the first seconds
(each bid of the last minute extends the end by the rule `auction_extension_seconds`).

Printed at the end, one JSON line: auctions whose every watcher got `result` (the goal:
all of them), watchers that got the `status` of the start and of the close as messages
(not only through a snapshot), resyncs and reconnects, bids acknowledged, the supervisor's
worker and Daphne restarts, the error lines in the logs (Traceback / ERROR / CRITICAL),
how often a Daphne process learnt a start or close from the database because the worker
made it (`hub_re_reads`), and how long SIGTERM took to stop everything. --kill-worker-every K SIGKILLs the Celery
worker at the start of every K-th auction (chaos: the supervisor must restart it and no
watcher may notice).

Overlapping waves: strictly back to back, 100 one-minute auctions take well over 100
minutes (each lasts its minute, plus the extensions its early bids cause, plus the lead and
the result); by default --concurrency 10 auctions run at a time, the first ten started
6 s apart (one auction's length divided by the concurrency) and each finished auction
followed at once by the next, so the 100 auctions finish in about 30 minutes with 100
watcher and 30 bidder sockets open at any moment. --kill-worker-every 10 (the default)
SIGKILLs the worker at the start of auctions 10, 20, ..., 100: ten restarts.

Not a timed test: `.venv/bin/python bench/soak_default.py` (100 auctions, 1 minute, 10
watchers, 10 at a time); a quick check: `--auctions 5 --concurrency 5 --kill-worker-every 2`;
strictly one after the other: `--concurrency 1`.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GAP_S = 0.5
ERROR_LINE = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b")


def free_port() -> int:
    base = int(os.environ.get("TEST_PORT_BASE", "8700"))
    for port in range(base, base + 100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def default_env(var_dir: Path) -> dict:
    """The environment of `make run`: nothing configured but where var/ is."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE",
                        "CELERY_TASK_ALWAYS_EAGER", "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "SERVE_STATIC")}
    env.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="config.settings.dev", PYTHONUNBUFFERED="1")
    return env


# ---------------------------------------------------------------------------------------
# The platform side: auctions made through the services (in a worker thread of this process)


def django_setup(var_dir: Path) -> None:
    os.environ.clear()
    os.environ.update(default_env(var_dir))
    import django

    django.setup()


def auction_create(minutes: int, lead: int) -> dict:
    """A demo auction starting in `lead` seconds, as `manage.py demo_auction` makes it."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import close_old_connections
    from django.test import Client

    from bidding.models import Auction, Bidder

    close_old_connections()
    call_command("demo_auction", "--start-in", str(lead), "--minutes", str(minutes), stdout=StringIO())
    auction = Auction.objects.select_related("request").order_by("-pk").first()
    cookies = []
    for bidder in Bidder.objects.filter(auction=auction).select_related("organisation").order_by("number"):
        user = bidder.organisation.users.order_by("pk").first()
        client = Client()
        client.force_login(user)
        cookies.append(f"sessionid={client.cookies['sessionid'].value}")
    return {"id": auction.pk, "starts_at": auction.starts_at.timestamp(), "ends_at": auction.ends_at.timestamp(),
            "ceiling": str(auction.ceiling), "step": str(auction.min_step), "cookies": cookies}


# ---------------------------------------------------------------------------------------
# Clients


async def watcher(url: str, origin: str, deadline: float) -> dict:
    """Read until `result` as the room page does; reconnect after a drop."""
    from websockets.asyncio.client import connect

    out = {"result": False, "start_status": False, "close_status": False, "resyncs": 0, "reconnects": 0,
           "error": None, "late": None}
    version, early, gap_since, retry = -1, {}, None, 0
    while time.time() < deadline and not out["result"]:
        try:
            async with connect(url, additional_headers={"Origin": origin}, open_timeout=30,
                               max_queue=None) as ws:
                retry = 0
                while time.time() < deadline:
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=GAP_S)
                    except (TimeoutError, asyncio.TimeoutError):
                        raw = None
                    now = time.time()
                    if raw is not None:
                        m = json.loads(raw)
                        kind = m["type"]
                        if kind == "snapshot":
                            if out["late"] is None:  # connected after the start: no start to see
                                out["late"] = m["auction"]["status"] != "scheduled"
                            version = m["version"]
                            early = {v: e for v, e in early.items() if v > version}
                        elif kind == "result":
                            out["result"] = True
                            return out
                        elif kind in ("bid", "status") and m["version"] > version:
                            early[m["version"]] = m
                        while version + 1 in early:
                            version += 1
                            event = early.pop(version)
                            if event["type"] == "status":
                                if event["status"] == "live":
                                    out["start_status"] = True
                                elif event["status"] in ("closed", "void"):
                                    out["close_status"] = True
                    gap_since = (gap_since or now) if early else None
                    if gap_since and now - gap_since > GAP_S:
                        out["resyncs"] += 1
                        gap_since, early = None, {}
                        await ws.send(json.dumps({"type": "sync"}))
        except Exception as exc:  # a drop: reconnect, as the page does
            out["error"] = f"{type(exc).__name__}: {exc}"[:200]
            out["reconnects"] += 1
            # The room page's back-off (auction.js): 0.5 s doubling to 10 s, reset once
            # connected. A fixed 1 s retry of a hundred sockets turned one stall of an
            # overloaded machine into a storm of handshakes that never drained.
            await asyncio.sleep(min(10.0, 0.5 * 2 ** retry))
            retry += 1
    return out


async def bidder(url: str, origin: str, cookie: str, info: dict, index: int, bids: int) -> int:
    """Bid `bids` times early in the auction, each one step or more below the best known."""
    from websockets.asyncio.client import connect

    acked, error = 0, None
    best = None
    step = Decimal(info["step"])
    await asyncio.sleep(max(0.0, info["starts_at"] - time.time()) + 1 + index)
    try:
        async with connect(url, additional_headers={"Origin": origin, "Cookie": cookie}, open_timeout=30) as ws:
            for n in range(bids):
                amount = Decimal(info["ceiling"]) - step * (1 + index + 3 * n) if best is None else best - step
                await ws.send(json.dumps({"type": "bid", "amount": f"{amount:.2f}", "client_id": str(uuid.uuid4())}))
                deadline = time.time() + 10
                while time.time() < deadline:
                    m = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                    if m["type"] == "snapshot" and m.get("best"):
                        best = Decimal(m["best"]["amount"])
                    elif m["type"] == "bid":
                        best = Decimal(m["amount"]) if best is None else min(best, Decimal(m["amount"]))
                    elif m["type"] in ("ack", "rejected"):
                        acked += m["type"] == "ack"
                        break
                await asyncio.sleep(1.5)
    except Exception as exc:  # counted: a bidder that lost its socket is a finding too
        error = f"{type(exc).__name__}: {exc}"[:200]
    return acked, error


# ---------------------------------------------------------------------------------------


class Soak:
    def __init__(self, args, var_dir: Path, port: int):
        self.args, self.var_dir, self.port = args, var_dir, port
        self.db = ThreadPoolExecutor(max_workers=1)  # this process's writes, one at a time
        self.results: list[dict] = []
        self.run_sh: subprocess.Popen | None = None

    def start(self) -> None:
        env = default_env(self.var_dir)
        for command in (["migrate", "--noinput"], ["load_demo"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        # INFO only so that Daphne logs each time a socket hub re-read a change another
        # process made (counted below); nothing else differs from `make run`.
        env.update(PORT=str(self.port), HOST="127.0.0.1", PY=sys.executable, RUN_DEMO="0", LOG_LEVEL="INFO")
        self.run_sh = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, start_new_session=True,
                                       stdout=open(self.var_dir / "run.out", "wb"), stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:  # up when /healthz is 200: database, layer and Celery
            try:
                with urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except Exception:
                pass
            time.sleep(1)
        raise RuntimeError(f"the platform did not come up; see {self.var_dir}")

    def stop(self) -> float:
        started = time.monotonic()
        self.run_sh.send_signal(signal.SIGTERM)
        try:
            self.run_sh.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.run_sh.pid, signal.SIGKILL)
            return float("inf")
        return time.monotonic() - started

    def kill_worker(self) -> None:
        for line in (self.var_dir / "run.log").read_text().splitlines()[::-1]:
            found = re.search(r"celery started \(pid (\d+)\)", line)
            if found:
                try:
                    os.kill(int(found.group(1)), signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return

    async def one(self, number: int) -> None:
        loop = asyncio.get_running_loop()
        info = await loop.run_in_executor(self.db, auction_create, self.args.minutes, self.args.lead)
        url = f"ws://127.0.0.1:{self.port}/ws/auctions/{info['id']}/"
        origin = f"http://127.0.0.1:{self.port}"
        # Ends at the latest a minute after the last bid (the extension rule), then grace.
        deadline = info["ends_at"] + 3 * 60 + 120
        if self.args.kill_worker_every and number % self.args.kill_worker_every == 0:
            loop.call_at(loop.time() + max(0.0, info["starts_at"] - time.time()), self.kill_worker)
        watchers = [watcher(url, origin, deadline) for _ in range(self.args.watchers)]
        bidders = [bidder(url, origin, cookie, info, i, self.args.bids) for i, cookie in enumerate(info["cookies"])]
        outcomes = await asyncio.gather(*watchers, *bidders)
        seen = outcomes[:self.args.watchers]
        self.results.append({
            "auction": info["id"], "all_result": all(w["result"] for w in seen),
            "with_result": sum(w["result"] for w in seen), "start_status": sum(w["start_status"] for w in seen),
            "late": sum(bool(w["late"]) for w in seen),
            "close_status": sum(w["close_status"] for w in seen), "resyncs": sum(w["resyncs"] for w in seen),
            "reconnects": sum(w["reconnects"] for w in seen),
            "acked": sum(acked for acked, _ in outcomes[self.args.watchers:]),
            "bidder_errors": [e for _, e in outcomes[self.args.watchers:] if e],
            "errors": [w["error"] for w in seen if w["error"]][:2],
        })
        r = self.results[-1]
        print(f"auction {number}/{self.args.auctions} #{info['id']}: result {r['with_result']}/{self.args.watchers}, "
              f"start status {r['start_status']} (late {r['late']}), close status {r['close_status']}, acked {r['acked']}, "
              f"resyncs {r['resyncs']}, reconnects {r['reconnects']}"
              + (f", errors {r['errors'] + r['bidder_errors']}" if r["errors"] or r["bidder_errors"] else ""), flush=True)

    async def run_all(self) -> None:
        slots = asyncio.Semaphore(self.args.concurrency)

        async def slot(number):
            async with slots:
                await self.one(number)

        tasks = []
        for number in range(1, self.args.auctions + 1):
            tasks.append(asyncio.ensure_future(slot(number)))
            # Stagger concurrent auctions over one auction's length.
            if self.args.concurrency > 1 and number < self.args.concurrency:
                await asyncio.sleep(self.args.minutes * 60 / self.args.concurrency)
        await asyncio.gather(*tasks)

    def log_report(self) -> dict:
        errors, sample = 0, []
        for name in ("daphne.log", "celery.log", "run.out"):
            path = self.var_dir / name
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                if ERROR_LINE.search(line):
                    errors += 1
                    if len(sample) < 5:
                        sample.append(f"{name}: {line.strip()[:200]}")
        run_log = (self.var_dir / "run.log").read_text()
        daphne_log = (self.var_dir / "daphne.log").read_text(errors="replace")
        return {"log_errors": errors, "log_error_sample": sample,
                # Changes a socket learnt from the database, not the channel layer (made by
                # the worker's beat): the path the in-process default depends on.
                "hub_re_reads": len(re.findall(r"re-read from the database", daphne_log)),
                "worker_restarts": len(re.findall(r"celery exited", run_log)),
                "daphne_restarts": len(re.findall(r"daphne exited", run_log))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--auctions", type=int, default=100)
    parser.add_argument("--minutes", type=int, default=1)
    parser.add_argument("--watchers", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=10,
                        help="auctions at a time, in overlapping waves (1: strictly back to back)")
    parser.add_argument("--bids", type=int, default=2, help="bids per bidder per auction")
    parser.add_argument("--lead", type=int, default=20,
                        help="seconds from creation to start (every watcher must be in before the start)")
    parser.add_argument("--kill-worker-every", type=int, default=10,
                        help="SIGKILL the worker at the start of every K-th auction (0: never)")
    parser.add_argument("--keep", action="store_true", help="keep the VAR_DIR (logs, databases) afterwards")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="yczjcs-soak-"))
    port = free_port()
    soak = Soak(args, var_dir, port)
    started = time.monotonic()
    print(f"soak: VAR_DIR={var_dir}, port {port}; {args.auctions} auctions of {args.minutes} min, "
          f"{args.watchers} watchers, {args.concurrency} at a time", flush=True)
    soak.start()
    stop_seconds = None
    try:
        django_setup(var_dir)
        asyncio.run(soak.run_all())
    finally:
        stop_seconds = soak.stop()
    results = soak.results
    report = {
        "auctions": args.auctions, "auctions_every_watcher_result": sum(r["all_result"] for r in results),
        "watchers": args.auctions * args.watchers, "watchers_with_result": sum(r["with_result"] for r in results),
        "watchers_start_status": sum(r["start_status"] for r in results),
        # Watchers whose first snapshot already showed the auction live (connected late):
        # they cannot get the start as a message.
        "watchers_late": sum(r["late"] for r in results),
        "watchers_close_status": sum(r["close_status"] for r in results),
        "resyncs": sum(r["resyncs"] for r in results), "reconnects": sum(r["reconnects"] for r in results),
        "bids_acked": sum(r["acked"] for r in results),
        "bidder_errors": sum(len(r["bidder_errors"]) for r in results),
        "watcher_error_sample": [e for r in results for e in r["errors"]][:3],
        "bidder_error_sample": [e for r in results for e in r["bidder_errors"]][:3],
        **soak.log_report(),
        "stop_seconds": round(stop_seconds, 1),
        "minutes": args.minutes, "concurrency": args.concurrency, "kill_worker_every": args.kill_worker_every,
        "wall_minutes": round((time.monotonic() - started) / 60, 1),
    }
    if not args.keep:
        shutil.rmtree(var_dir, ignore_errors=True)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
