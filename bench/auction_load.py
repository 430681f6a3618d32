"""Benchmark: the live auction under load, as in production, against a bare `websockets` floor.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL. Migrates that database, creates one live
auction with 20 signed-up bidders (fixture data, names prefixed by the factories), starts two
Daphne processes (ports 8600-8699) on the Redis channel layer, connects 500 anonymous
watcher sockets (250 per process, in two client processes) and 20 bidder sockets (split over
both servers), and lets the bidders bid for --seconds (default 60): each bidder sends a bid
about every --interval seconds at one step below the best it knows (so concurrent bidders
race; the losers are refused `step_too_small`).

Measured: acknowledged bids per second; latency from sending a bid to its `ack`, and from
sending it to its arrival at each watcher (p50, p99, max over every bid × watcher); messages
lost (acknowledged bids that a watcher never received, live or by the gap → sync snapshot);
peak RSS (VmHWM) per Daphne process. Then the same load for --bare-seconds against a minimal
broadcast server written with `websockets` alone (one process, accepts every bid, broadcasts
it), the floor for Python on this machine, and the ratio of the two p99 fan-out figures.

Fairness: both runs use the same client processes, messages of the same shape and no
compression (the `websockets` server would negotiate permessage-deflate with the
`websockets` clients, Daphne does not; the floor is run with compression=None). The floor
is one process (a second would need a relay between them, which is no longer "websockets
alone"); the platform is two Daphne processes plus PostgreSQL and Redis on the same two
cores as the clients. Server CPU time per 1000 deliveries is printed too: on a machine
shared with other work it is much steadier than the latency figures. TEST_PORT_BASE moves
the Daphne ports (default 8600-8699).

Not a timed test: `.venv/bin/python bench/auction_load.py [--seconds 60] [--bare-seconds 30]`.
The last line printed is one JSON object.
"""

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WATCHERS, BIDDERS, WATCHER_PROCS = 500, 20, 2
GAP_S = 0.5  # how long a client waits for a missing version before it asks for a snapshot


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def ms(x):
    return None if x is None else round(x * 1000, 1)


# ---------------------------------------------------------------------------------------
# Clients (shared by the platform run and the bare run)


async def _watchers(url_of, n, stop_at, origin_of, room_of, spread):
    from websockets.asyncio.client import connect

    arrivals: dict[tuple[int, int], list[float]] = {}  # (room, seq) -> arrival times
    seen_per_watcher = []
    resyncs = 0

    failures = 0

    async def one(i):
        nonlocal resyncs, failures
        url, origin, room = url_of(i), origin_of(i), room_of(i)
        seen, version, early, gap_since = set(), -1, set(), None
        seen_per_watcher.append((room, seen))
        await asyncio.sleep(i * spread)  # connect gradually, as real watchers arrive
        for attempt in range(30):
            try:
                ws = await connect(url, additional_headers={"Origin": origin}, max_queue=None, open_timeout=60)
                break
            except Exception:
                failures += 1
                await asyncio.sleep(min(3.0, 0.5 * (attempt + 1)))
        else:
            log_failure(f"watcher {i} could not connect")
            return
        async with ws:
            while time.time() < stop_at:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, stop_at - time.time()))
                except (TimeoutError, asyncio.TimeoutError):
                    break
                now = time.time()
                m = json.loads(raw)
                if m["type"] == "snapshot":
                    version = m["version"]
                    seen.update(b["seq"] for b in m["bids"])
                    early = {v for v in early if v > version}
                elif m["type"] == "bid":
                    arrivals.setdefault((room, m["seq"]), []).append(now)
                    seen.add(m["seq"])
                # As the room page does: apply versions in order, hold early ones for
                # GAP_S, then ask for a snapshot if the gap is still open.
                if m.get("version") is not None and m["type"] != "snapshot" and m["version"] > version:
                    early.add(m["version"])
                while version + 1 in early:
                    version += 1
                    early.discard(version)
                gap_since = (gap_since or now) if early else None
                if gap_since and now - gap_since > GAP_S:
                    resyncs += 1
                    gap_since, early = None, set()
                    await ws.send(json.dumps({"type": "sync"}))

    await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=False)
    return {"arrivals": arrivals, "seen": [(room, sorted(s)) for room, s in seen_per_watcher], "resyncs": resyncs,
            "connect_failures": failures}


def log_failure(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def watcher_process(rooms, origins, n, stop_at, spread, out):
    """`rooms[r]` lists the URLs of room r (one per server); watcher i watches room
    i % len(rooms), on server (i // len(rooms)) % len(servers)."""
    k = len(rooms)
    result = asyncio.run(_watchers(lambda i: rooms[i % k][(i // k) % len(rooms[i % k])], n, stop_at,
                                   lambda i: origins[(i // k) % len(origins)], lambda i: i % k, spread))
    out.put(result)


async def _bidders(rooms, origins, cookies, start_at, stop_at, interval, step, ceiling, per_room):
    """`per_room` bidders in each room; bidder j of a room uses cookies[j] (when given)."""
    from websockets.asyncio.client import connect

    sent, acks, rejected = {}, {}, {}
    seq_sent = {}  # (room, seq) -> send time of the acked bid
    k = len(rooms)
    n = k * per_room

    async def one(i):
        room, j = i % k, i // k
        urls = rooms[room]
        headers = {"Origin": origins[j % len(origins)]}
        if cookies:
            headers["Cookie"] = cookies[j]
        best = None
        rng = random.Random(i)
        await asyncio.sleep(i / n * min(10.0, max(0.0, start_at - time.time() - 5)))  # connect gradually
        for attempt in range(30):
            if time.time() > stop_at:  # never retry past the measured window
                log_failure(f"bidder {i} could not connect before the end")
                return
            try:
                ws = await connect(urls[j % len(urls)], additional_headers=headers, max_queue=None,
                                   open_timeout=max(5.0, min(60.0, stop_at - time.time())))
                break
            except Exception:
                await asyncio.sleep(min(3.0, 0.5 * (attempt + 1)))
        else:
            log_failure(f"bidder {i} could not connect")
            return
        async with ws:

            async def reader():
                nonlocal best
                async for raw in ws:
                    m = json.loads(raw)
                    now = time.time()
                    if m["type"] == "snapshot" and m.get("best"):
                        best = Decimal(m["best"]["amount"])
                    elif m["type"] == "bid":
                        best = Decimal(m["amount"]) if best is None else min(best, Decimal(m["amount"]))
                    elif m["type"] == "ack":
                        acks[m["client_id"]] = now
                        seq_sent[(room, m["seq"])] = sent[m["client_id"]]
                    elif m["type"] == "rejected":
                        rejected[m["client_id"]] = m["code"]

            task = asyncio.ensure_future(reader())
            await asyncio.sleep(max(0, start_at - time.time()) + i / n * interval)
            while time.time() < stop_at:
                # One to twenty steps below the best it knows: bidders race, as in a real auction.
                amount = ceiling if best is None else best - step * rng.randint(1, 20)
                cid = str(uuid.uuid4())
                sent[cid] = time.time()
                await ws.send(json.dumps({"type": "bid", "amount": f"{amount:.2f}", "client_id": cid}))
                await asyncio.sleep(interval)
            await asyncio.sleep(2)  # late answers
            task.cancel()

    await asyncio.gather(*(one(i) for i in range(n)))
    return sent, acks, rejected, seq_sent


def run_load(rooms, origins, cookies, seconds, interval, step, ceiling, bidder_rooms=None):
    """Connect the watchers (2 processes) and the bidders (this process); return figures.
    `rooms[r]` lists room r's URLs, one per server; WATCHERS and BIDDERS are per room."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    k = len(rooms)
    per_proc = WATCHERS * k // WATCHER_PROCS
    # One watcher every 30 ms per process, as before, unless that would not fit in the window.
    connect_window = max(20.0, min(90.0, per_proc * 0.06 + 10))
    spread = min(0.03, (connect_window - 5) / max(1, per_proc))
    start_at = time.time() + connect_window
    stop_at = start_at + seconds + 3
    procs = [ctx.Process(target=watcher_process,
                         args=([r[i:] + r[:i] for r in rooms], origins[i:] + origins[:i], per_proc, stop_at, spread, out))
             for i in range(WATCHER_PROCS)]
    for p in procs:
        p.start()
    sent, acks, rejected, seq_sent = asyncio.run(
        _bidders(bidder_rooms or rooms, origins, cookies, start_at, start_at + seconds, interval, step, ceiling,
                 BIDDERS))
    results = [out.get(timeout=stop_at - time.time() + 120) for _ in procs]
    for p in procs:
        p.join(30)
    fanout, lost, resyncs, watchers, failures = [], 0, 0, 0, 0
    acked_by_room: dict[int, set[int]] = {}
    for room, seq in seq_sent:
        acked_by_room.setdefault(room, set()).add(seq)
    for r in results:
        resyncs += r["resyncs"]
        failures += r["connect_failures"]
        for seq, times in r["arrivals"].items():
            if seq in seq_sent:
                fanout.extend(t - seq_sent[seq] for t in times)
        for room, seen in r["seen"]:
            watchers += 1
            lost += len(acked_by_room.get(room, set()) - set(seen))
    ack_lat = [acks[c] - sent[c] for c in acks]
    codes = {}
    for code in rejected.values():
        codes[code] = codes.get(code, 0) + 1
    unanswered = len(set(sent) - set(acks) - set(rejected))
    return {
        "sent": len(sent), "acks": len(acks), "rejected": codes, "acks_per_s": len(acks) / seconds,
        "unanswered": unanswered,
        "ack_p50": pct(ack_lat, 50), "ack_p99": pct(ack_lat, 99), "ack_max": max(ack_lat) if ack_lat else None,
        "fanout_p50": pct(fanout, 50), "fanout_p99": pct(fanout, 99), "fanout_max": max(fanout) if fanout else None,
        "lost": lost, "resyncs": resyncs, "watchers": watchers, "deliveries": len(fanout),
        "connect_failures": failures,
    }


# ---------------------------------------------------------------------------------------
# The bare server: `websockets` alone


def bare_server(port: int) -> None:
    from websockets.asyncio.server import broadcast, serve

    # One room per path (per auction): every connection of a room hears every bid of the
    # room, bidders included, as on the platform.
    rooms: dict[str, tuple[set, dict]] = {}

    async def handler(ws):
        path = ws.request.path.removesuffix("/bid")
        watchers, state = rooms.setdefault(path, (set(), {"seq": 0}))
        watchers.add(ws)
        try:
            await ws.send(json.dumps({"type": "snapshot", "version": state["seq"], "bids": []}))
            async for raw in ws:
                m = json.loads(raw)
                if m.get("type") == "bid":
                    # The same step rule as the platform, so both broadcast alike.
                    amount = Decimal(m["amount"])
                    if state.get("best") is not None and amount > state["best"] - 1:
                        await ws.send(json.dumps({"type": "rejected", "client_id": m["client_id"],
                                                  "code": "step_too_small", "message": ""}))
                        continue
                    state["best"] = amount
                    state["seq"] += 1
                    seq = state["seq"]
                    msg = json.dumps({"type": "bid", "version": seq, "seq": seq, "alias": "1号",
                                      "amount": m["amount"], "at": time.time(), "ends_at": None})
                    broadcast(watchers, msg)
                    await ws.send(json.dumps({"type": "ack", "client_id": m["client_id"], "seq": seq}))
        finally:
            watchers.discard(ws)

    async def main():
        # No permessage-deflate: Daphne does not negotiate it, so both servers send the same
        # uncompressed frames to the same clients (with it, the floor compressed every frame
        # once per socket and its clients inflated them: a slower, unfair floor).
        async with serve(handler, "127.0.0.1", port, max_queue=None, compression=None):
            await asyncio.Future()

    asyncio.run(main())


# ---------------------------------------------------------------------------------------


def main() -> None:
    global WATCHERS, BIDDERS
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--bare-seconds", type=float, default=30)
    parser.add_argument("--interval", type=float, help="seconds between one bidder's bids (1, or 2 with --auctions)")
    parser.add_argument("--watchers", type=int, help=f"per auction ({WATCHERS}, or 10 with --auctions)")
    parser.add_argument("--bidders", type=int, help=f"per auction ({BIDDERS}, or 5 with --auctions)")
    parser.add_argument("--auctions", type=int, help="K live auctions at once (default: one, as above)")
    parser.add_argument("--reuse-fixture", action="store_true",
                        help="use K live auctions without bids already in the database (a copy of a database "
                             "a previous run set up), instead of setting them up")
    parser.add_argument("--setup-only", action="store_true", help="set the K auctions up and stop")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    many = args.auctions is not None
    WATCHERS = args.watchers if args.watchers is not None else (10 if many else WATCHERS)
    BIDDERS = args.bidders if args.bidders is not None else (5 if many else BIDDERS)
    interval = args.interval if args.interval is not None else (2.0 if many else 1.0)
    k = args.auctions if many else 1
    if args.bare_server:
        bare_server(args.bare_server)
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("needs DATABASE_URL=postgres://... and REDIS_URL=redis://...")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"  # invitations of the fixture request, in-process
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from bidding.models import Auction
    from tests.bidding import processes
    from tests.bidding.auction_support import auction_case

    call_command("migrate", verbosity=0)
    import itertools

    from accounts.models import Organisation, User
    from tests import factories

    # Fresh serials (names, usernames, credit codes) on a database reused between runs.
    start = 1_000_000 + int(time.time()) % 8_000_000
    while Organisation.objects.filter(name__endswith=f"{start}有限公司").exists() or User.objects.filter(
            username=f"user{start}").exists():
        start += 10_000
    factories._serial = itertools.count(start)
    factories.OrganisationFactory.reset_sequence(start)
    factories.UserFactory.reset_sequence(start)
    # K auctions: the same BIDDERS firms sign up to each (one session per firm) and one
    # owner publishes them all, so the fixture costs K requests, not K × BIDDERS firms.
    setup_started = time.monotonic()
    from types import SimpleNamespace
    from unittest import mock

    if args.reuse_fixture:
        fresh = Auction.objects.filter(status=Auction.Status.LIVE, bid_count=0).order_by("pk")
        first = fresh.last()  # the newest set-up's bidders
        if first is None:
            sys.exit("--reuse-fixture: no live auction without bids")
        orgs = list(first.bidders.order_by("number").values_list("organisation_id", flat=True))
        # Only auctions of the same set-up: the same firms are bidders in every one (a firm
        # of another set-up's auctions would be refused not_eligible there).
        same = fresh
        for org in orgs[:BIDDERS]:
            same = same.filter(bidders__organisation_id=org)
        live = list(same.distinct()[:k])
        if len(live) < k:
            sys.exit(f"--reuse-fixture: only {len(live)} live auctions without bids with the same bidders")
        firms = [User.objects.filter(organisation_id=o).order_by("pk").first() for o in orgs][:BIDDERS]
        cases = [SimpleNamespace(auction=a, firms=firms) for a in live]
        case = cases[0]
    else:
        case = auction_case(BIDDERS, ceiling="1000000.00", min_step=Decimal("1.00"))
        # The invitations of the other K − 1 requests are not what is measured here (and would
        # cost most of the set-up): the bidders sign up directly.
        with mock.patch("market.tasks.invitations_push_task.delay"):
            cases = [case] + [auction_case(firms=case.firms, owner=case.owner, ceiling="1000000.00",
                                           min_step=Decimal("1.00")) for _ in range(k - 1)]
    total = args.seconds + 240
    Auction.objects.filter(pk__in=[c.auction.pk for c in cases]).update(
        ends_at=timezone.now() + timedelta(seconds=total), extension_seconds=1)
    cookies = [processes.session_cookie(f) for f in case.firms]
    print(f"{k} auction(s) set up in {time.monotonic() - setup_started:.0f} s", flush=True)
    if args.setup_only:
        return
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    for old_log in logs.glob("*.log"):
        old_log.unlink()
    ports = [processes.free_port()]
    ports.append(processes.free_port(set(ports)))
    # Production settings: persistent database connections.
    # A handshake may wait longer than Daphne's 5 s on a loaded machine: the client retries anyway.
    servers = [processes.daphne(p, logs / f"daphne-{p}.log", args=("--websocket_connect_timeout", "30"),
                                DB_CONN_MAX_AGE="60").start() for p in ports]
    try:
        rooms = [[f"ws://127.0.0.1:{p}/ws/auctions/{c.auction.pk}/" for p in ports] for c in cases]
        origins = [f"http://127.0.0.1:{p}" for p in ports]
        print(f"platform: 2 Daphne on {ports}, {k} auction(s) × ({WATCHERS} watchers, {BIDDERS} bidders), "
              f"a bid per bidder every {interval:g} s, {args.seconds:.0f} s …", flush=True)
        platform = run_load(rooms, origins, cookies, args.seconds, interval, Decimal("1.00"), Decimal("1000000.00"))
        rss = {p: round(s.rss_mb(), 1) for p, s in zip(ports, servers)}
        cpu = sum(s.cpu_s() for s in servers)
    finally:
        for s in servers:
            s.stop()

    bare_port = processes.free_port()
    bare = processes.Proc([sys.executable, str(Path(__file__).resolve()), "--bare-server", str(bare_port)],
                          env=os.environ.copy(), log=logs / "bare.log", port=bare_port).start()
    try:
        print(f"bare websockets server on {bare_port}, same load, {args.bare_seconds:.0f} s …", flush=True)
        bases = [f"ws://127.0.0.1:{bare_port}/ws/{r}" for r in range(k)]
        floor = run_load([[b] for b in bases], [f"http://127.0.0.1:{bare_port}"], None, args.bare_seconds, interval,
                         Decimal("1.00"), Decimal("1000000.00"), bidder_rooms=[[b + "/bid"] for b in bases])
        bare_rss = round(bare.rss_mb(), 1)
        bare_cpu = bare.cpu_s()
    finally:
        bare.stop()

    print(f"platform: sent {platform['sent']} bids, {platform['acks']} acked ({platform['acks_per_s']:.1f}/s), "
          f"refused {platform['rejected']}, unanswered {platform['unanswered']}")
    print(f"  ack latency p50 {ms(platform['ack_p50'])} ms, p99 {ms(platform['ack_p99'])} ms, max {ms(platform['ack_max'])} ms")
    print(f"  bid → watcher p50 {ms(platform['fanout_p50'])} ms, p99 {ms(platform['fanout_p99'])} ms, "
          f"max {ms(platform['fanout_max'])} ms over {platform['deliveries']} deliveries to {platform['watchers']} watchers")
    print(f"  lost {platform['lost']}, gap resyncs {platform['resyncs']}, connect retries "
          f"{platform['connect_failures']}, peak RSS per Daphne {rss} MB")
    print(f"bare: {floor['acks']} acked ({floor['acks_per_s']:.1f}/s), bid → watcher p50 {ms(floor['fanout_p50'])} ms, "
          f"p99 {ms(floor['fanout_p99'])} ms, max {ms(floor['fanout_max'])} ms, lost {floor['lost']}, RSS {bare_rss} MB")
    # CPU per delivered message: far steadier than latency on a machine shared with other work.
    load = os.getloadavg()[0]
    print(f"server CPU per 1000 deliveries (connects included): platform {1000 * cpu / max(1, platform['deliveries']):.3f} s "
          f"(2 Daphne), bare {1000 * bare_cpu / max(1, floor['deliveries']):.3f} s; load average now {load:.2f}")
    ratio = (platform["fanout_p99"] / floor["fanout_p99"]) if floor["fanout_p99"] and platform["fanout_p99"] else None
    # CPU per bid offered (both Daphne processes, connects and fan-out included).
    cpu_per_bid = 1000 * cpu / max(1, platform["sent"])
    bare_cpu_per_bid = 1000 * bare_cpu / max(1, floor["sent"])
    print(json.dumps({
        "auctions": k, "bids_offered": platform["sent"], "bids_offered_per_s": round(platform["sent"] / args.seconds, 1),
        "unanswered": platform["unanswered"], "refused": platform["rejected"],
        "acks_per_s": round(platform["acks_per_s"], 2), "ack_p50_ms": ms(platform["ack_p50"]),
        "ack_p99_ms": ms(platform["ack_p99"]), "fanout_p50_ms": ms(platform["fanout_p50"]),
        "fanout_p99_ms": ms(platform["fanout_p99"]), "fanout_max_ms": ms(platform["fanout_max"]),
        "lost": platform["lost"], "bare_fanout_p99_ms": ms(floor["fanout_p99"]),
        "ratio_p99": None if ratio is None else round(ratio, 2), "peak_rss_mb": max(rss.values()),
        "server_cpu_ms_per_bid": round(cpu_per_bid, 2), "bare_server_cpu_ms_per_bid": round(bare_cpu_per_bid, 2),
        "bare_acks_per_s": round(floor["acks_per_s"], 2), "bare_ack_p99_ms": ms(floor["ack_p99"]),
        "bare_unanswered": floor["unanswered"], "load_avg_1m": round(load, 2),
    }))


if __name__ == "__main__":
    main()
