"""Benchmark: the supervision page and its Excel export at 100,000 requests and 1,000,000
audit records.

Creates a throw-away PostgreSQL database (`bench_<name>_supervision` from DATABASE_URL),
migrates it and loads: 500 owners and 2,000 firms (a fifth registered outside Yichun), N
requests over two years in every state with coherent timestamps and amounts (bulk_create),
three sign-ups each and ten audit records each — publish, select and confirm transitions at
their times among the others (COPY) — overdue warnings and ratings. Then it times:

1. `request_stats_rebuild` (the facts of every request, the nightly repair's full form);
2. the bureau's supervision page (`/bureau/supervision/`), a city officer, through the test
   client: cold (its figures' cache cleared before each render: every aggregate computed)
   and as officers meet it (R renders, the figures cached per jurisdiction and filters),
   median and 90th percentile, unfiltered and filtered (region + period; owner); and the
   public page without its cache;
3. the Excel export of the full request list (N rows) and the same as CSV.

Not a timed test. Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/yczjcs_x
.venv/bin/python bench/supervision.py [--requests N] [--audit-per-request A] [--renders R]
[--keep] [--reuse] [--load-only]`. The database is named after N and A
(`bench_<name>_supervision_<N>_<A>`): `--keep` leaves it in place after the run, `--reuse`
keeps it too and skips the load (and the rebuild's timing, unless `--rebuild`) when it holds
that load already, so a slow load is paid once. The last line printed is one JSON object.
"""

import argparse
import hashlib
import io
import json
import os
import random
import statistics
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

OWNERS, FIRMS = 500, 2000
AUDIT_PER_REQUEST = 10  # the default of --audit-per-request: 1,000,000 records at 100,000 requests
# (share, status) of the generated requests: cumulative thresholds.
STATES = [(0.12, "failed"), (0.17, "published"), (0.20, "awaiting_confirmation"), (0.25, "contracting"),
          (0.32, "in_service"), (0.35, "delivered"), (0.55, "completed"), (1.0, "rated")]
AFTER_SELECT = {"awaiting_confirmation", "contracting", "in_service", "delivered", "completed", "rated"}
AFTER_CONFIRM = AFTER_SELECT - {"awaiting_confirmation"}
SERVICE = {"in_service", "delivered", "completed", "rated"}


def uscc(n: int, division: str) -> str:
    from core.uscc import uscc_check_char

    first17 = f"91{division}MA{n:07d}"
    return first17 + uscc_check_char(first17)


def load_parties(rng: random.Random):
    from accounts.models import Organisation, Region, User
    from market.models import ServiceItem

    regions = list(Region.objects.values_list("code", flat=True))
    owners = Organisation.objects.bulk_create([
        Organisation(kind="owner", name=f"压测业主单位{i:04d}", region_id=regions[i % len(regions)]) for i in range(OWNERS)])
    firms = Organisation.objects.bulk_create([
        Organisation(kind="intermediary", name=f"压测中介机构{i:04d}有限公司", region_id="360900",
                     uscc=uscc(i, "110108" if i % 5 == 0 else "360902")) for i in range(FIRMS)])
    users = User.objects.bulk_create([User(username=f"bench-owner-{o.pk}", organisation=o) for o in owners])
    firm_users = User.objects.bulk_create([User(username=f"bench-firm-{f.pk}", organisation=f) for f in firms])
    city = Region.objects.get(level="city")
    bureau = Organisation.objects.create(kind="bureau", name="宜春市行政审批局（压测）", region=city)
    officer = User.objects.create(username="bench-officer", organisation=bureau)
    items = list(ServiceItem.objects.values_list("pk", flat=True))
    return owners, users, firms, firm_users, items, officer


def load_requests(n: int, rng: random.Random, parties, batch: int = 5000):
    """Insert `n` requests; returns [(id, code, status, published, selected, confirmed)] and
    the firms chosen per request, for the sign-ups, audit records, warnings and ratings."""
    from market.models import ServiceRequest

    owners, users, firms, _firm_users, items, _officer = parties
    methods = ["draw"] * 5 + ["auction"] * 3 + ["comparison", "direct"]
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=760)
    made, pending = [], []
    for i in range(n):
        o = i % OWNERS
        r = rng.random()
        status = next(s for share, s in STATES if r < share)
        published = start + timedelta(seconds=rng.randrange(660 * 86400))
        selected = published + timedelta(days=rng.randint(7, 12), hours=rng.randint(0, 6))
        confirmed = selected + timedelta(days=rng.randint(1, 5))
        contract = confirmed + timedelta(days=rng.randint(7, 20))
        delivered = contract + timedelta(days=rng.randint(10, 40))
        completed = delivered + timedelta(days=rng.randint(1, 10))
        ceiling = Decimal(rng.randrange(20_000, 500_000))
        firm = firms[rng.randrange(FIRMS)] if status in AFTER_SELECT else None
        req = ServiceRequest(
            code=f"YCB{i:09d}", owner=owners[o], created_by=users[o], service_item_id=items[i % len(items)],
            region_id=owners[o].region_id, title=f"压测项目{i}", scope="压测", funding="fiscal", ceiling=ceiling,
            method=methods[i % len(methods)], signup_deadline=published + timedelta(days=5),
            selection_at=published + timedelta(days=6), service_days=30, contact_name="张三",
            contact_phone="0795-3210000", publish_count=1, failure_count=1 if status == "failed" else 0,
            published_at=published, status_changed_at=published, selected_firm=firm, status=status,
            contract_amount=(ceiling * Decimal(rng.randint(70, 98)) / 100).quantize(Decimal("0.01"))
            if status in SERVICE else None,
            service_starts_at=contract if status in SERVICE else None,
            delivered_at=delivered if status in {"delivered", "completed", "rated"} else None,
            completed_at=completed if status in {"completed", "rated"} else None,
        )
        pending.append(req)
        made.append([None, req.code, status, published, selected, confirmed, firm, owners[o].pk])
        if len(pending) == batch or i == n - 1:
            ServiceRequest.objects.bulk_create(pending)
            pending = []
    ids = dict(ServiceRequest.objects.filter(code__startswith="YCB").values_list("code", "pk"))
    for row in made:
        row[0] = ids[row[1]]
    return made


def copy_rows(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def load_signups_and_audit(made, rng: random.Random, parties, per_request: int = AUDIT_PER_REQUEST) -> int:
    _owners, _users, firms, firm_users, _items, _officer = parties
    firm_user = {f.pk: u.pk for f, u in zip(firms, firm_users)}

    def signups():
        for rid, _code, status, published, _s, _c, firm, _owner in made:
            chosen = {firm.pk} if firm else set()
            while len(chosen) < 3:
                chosen.add(firms[rng.randrange(FIRMS)].pk)
            if status == "failed":
                chosen = set(list(chosen)[:1])
            for k, org in enumerate(sorted(chosen)):
                yield (rid, org, 1, firm_user[org], published + timedelta(hours=k + 1))

    copy_rows("bidding_signup", ["request_id", "organisation_id", "round", "user_id", "created_at"], signups())

    def records():
        n = 0
        for _rid, code, status, published, selected, confirmed, _firm, _owner in made:
            chain = f"request:{code}"
            timed = [("created", "", "draft", {}, published - timedelta(hours=1)),
                     ("transition", "draft", "published", {"transition": "publish", "round": 1}, published)]
            if status in AFTER_SELECT:
                timed.append(("transition", "selecting", "awaiting_confirmation", {"transition": "select"}, selected))
            if status in AFTER_CONFIRM:
                timed.append(("transition", "awaiting_confirmation", "publicity", {"transition": "confirm"}, confirmed))
            while len(timed) < per_request:
                timed.append(("signup", "", "", {"round": 1}, published + timedelta(minutes=len(timed))))
            timed.sort(key=lambda r: r[4])
            prev = "0" * 64
            for seq, (kind, before, after, data, at) in enumerate(timed, 1):
                n += 1
                digest = hashlib.sha256(f"{chain}|{seq}|{n}".encode()).hexdigest()
                yield (chain, seq, kind, "system", before, after, "", json.dumps(data), at, prev, digest)
                prev = digest

    copy_rows("audit_auditrecord", ["chain", "seq", "kind", "actor_label", "from_state", "to_state", "reason", "data",
                                    "at", "prev_hash", "hash"], records())
    from audit.models import AuditRecord

    return AuditRecord.objects.count()  # at least the chain's own transitions per request


def load_warnings_and_ratings(made, rng: random.Random) -> None:
    from market.models import OverdueWarning
    from ratings.models import Rating

    warnings, ratings = [], []
    for rid, _code, status, _p, selected, confirmed, firm, owner in made:
        if status in AFTER_SELECT and rng.random() < 0.06:
            warnings.append(OverdueWarning(request_id=rid, step="confirm", step_key=f"confirm:{firm.pk}", party="owner",
                                           organisation_id=None, due_at=selected + timedelta(days=3),
                                           detected_at=selected + timedelta(days=4)))
        if status == "rated":
            overall = rng.choice(["satisfied"] * 8 + ["basic", "unsatisfied"])
            default = overall == "satisfied" and rng.random() < 0.2
            scores = {} if default else {d: rng.randint(3, 5) for d in ("quality", "timeliness", "attitude", "fees",
                                                                           "conduct")}
            ratings.append(Rating(request_id=rid, side="owner", rater_id=owner, rated_id=firm.pk, is_default=default,
                                  overall=overall, created_at=confirmed + timedelta(days=60), **scores))
    OverdueWarning.objects.bulk_create(warnings, batch_size=5000)
    Rating.objects.bulk_create(ratings, batch_size=5000)


def timed(fn, times: int) -> list[float]:
    out = []
    for _ in range(times):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--audit-per-request", type=int, default=AUDIT_PER_REQUEST,
                        help="audit records per request (fewer while developing; the figures at 10)")
    parser.add_argument("--renders", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="leave the loaded database in place")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the database of a --keep run of the same size (skip the load); implies --keep")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: time the stats rebuild anyway")
    parser.add_argument("--load-only", action="store_true", help="load (and rebuild), keep the database, measure nothing")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.runner import DiscoverRunner
    from django.test.utils import setup_test_environment

    setup_test_environment()
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        sys.exit("bench/supervision.py needs PostgreSQL (DATABASE_URL=postgres://...): it loads with COPY.")
    db.setdefault("TEST", {})["NAME"] = f"bench_{db['NAME']}_supervision_{args.requests}_{args.audit_per_request}"
    settings.ALLOWED_HOSTS = ["*"]
    # keepdb on setup: an existing database is kept (and migrated) rather than recreated.
    runner = DiscoverRunner(verbosity=0, interactive=False, keepdb=args.reuse)
    # Nothing serialized for test rollbacks: a reused database would be dumped whole (minutes).
    old = runner.setup_databases(serialized_aliases=set())
    runner.keepdb = args.keep or args.reuse or args.load_only  # on teardown: keep the database
    try:
        from django.core.cache import cache
        from django.test import Client

        from accounts.models import Organisation, User
        from audit.models import AuditRecord
        from market.models import ServiceRequest
        from supervision.models_stats import RequestStat
        from supervision.services_stats import request_stats_rebuild

        loaded = args.reuse and User.objects.filter(username="bench-officer").exists()
        load_s = rebuild_s = None
        if loaded:
            audit = AuditRecord.objects.count()
            print(f"reused {ServiceRequest.objects.count():,} requests, {audit:,} audit records", flush=True)
        else:
            rng = random.Random(2026)
            started = time.perf_counter()
            parties = load_parties(rng)
            made = load_requests(args.requests, rng, parties)
            audit = load_signups_and_audit(made, rng, parties, args.audit_per_request)
            load_warnings_and_ratings(made, rng)
            del made
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            load_s = round(time.perf_counter() - started, 1)
            print(f"loaded {args.requests:,} requests, {audit:,} audit records: {load_s:.1f} s", flush=True)

        if not loaded or args.rebuild or not RequestStat.objects.exists():
            started = time.perf_counter()
            facts = request_stats_rebuild()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE supervision_requeststat")
            rebuild_s = round(time.perf_counter() - started, 1)
            print(f"request_stats_rebuild: {facts:,} rows in {rebuild_s:.1f} s", flush=True)

        if args.load_only:
            return

        client = Client()
        client.force_login(User.objects.get(username="bench-officer"))
        page = "/bureau/supervision/"
        owner = Organisation.objects.filter(kind="owner").order_by("pk").first()

        def get(url, params=None):
            def fn():
                response = client.get(url, params or {})
                assert response.status_code == 200, (url, response.status_code)
            return fn

        get(page)()  # warm-up: templates, first connection

        def cold(url, params=None):
            def fn():
                cache.clear()  # the figures computed afresh, not the page's cached tables
                get(url, params)()
            return fn

        render_cold = timed(cold(page), max(3, args.renders // 3))
        render = timed(get(page), args.renders)  # the page as officers meet it: figures cached
        filtered = timed(get(page, {"region": "360902", "date_from": "2025-06-01", "date_to": "2026-05-31"}),
                         args.renders)
        by_owner = timed(get(page, {"owner": owner.pk}), args.renders)

        def public():
            cache.clear()
            get("/statistics/")()

        public_ms = timed(public, max(3, args.renders // 3))
        print(f"dashboard cold (figures computed) median {statistics.median(render_cold):.0f} ms; "
              f"dashboard median {statistics.median(render):.0f} ms (p90 {p90(render):.0f}); filtered "
              f"{statistics.median(filtered):.0f} ms; by owner {statistics.median(by_owner):.0f} ms; public uncached "
              f"{statistics.median(public_ms):.0f} ms", flush=True)

        started = time.perf_counter()
        response = client.get(page + "export/requests.xlsx")
        body = b"".join(response.streaming_content)
        xlsx_s = time.perf_counter() - started
        with zipfile.ZipFile(io.BytesIO(body)) as book:  # rows written, without parsing every cell
            rows = book.read("xl/worksheets/sheet1.xml").count(b"<row") - 1
        started = time.perf_counter()
        csv_body = b"".join(client.get(page + "export/requests.csv").streaming_content)
        csv_s = time.perf_counter() - started
        print(f"Excel export: {rows:,} rows, {len(body) / 1e6:.1f} MB in {xlsx_s:.1f} s; CSV "
              f"{len(csv_body) / 1e6:.1f} MB in {csv_s:.1f} s", flush=True)
        print(json.dumps({
            "bench": "supervision", "database": connection.vendor, "requests": args.requests, "audit_records": audit,
            "load_s": load_s, "stats_rebuild_s": rebuild_s, "reused": loaded,
            "dashboard_cold_median_ms": round(statistics.median(render_cold)),
            "dashboard_median_ms": round(statistics.median(render)), "dashboard_p90_ms": round(p90(render)),
            "dashboard_filtered_median_ms": round(statistics.median(filtered)),
            "dashboard_owner_median_ms": round(statistics.median(by_owner)),
            "public_uncached_median_ms": round(statistics.median(public_ms)),
            "renders": args.renders, "xlsx_rows": rows, "xlsx_s": round(xlsx_s, 2), "xlsx_mb": round(len(body) / 1e6, 1),
            "csv_s": round(csv_s, 2), "dashboard_under_300ms": statistics.median(render) < 300,
            "xlsx_under_10s": xlsx_s < 10,
        }))
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
