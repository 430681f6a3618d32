"""Benchmark: `manage.py audit_verify` over 1,000,000 audit records.

Creates a throw-away database (`bench_<name>_audit` on PostgreSQL/MariaDB from
DATABASE_URL, a file under var/ on SQLite), migrates it, and loads N records in C chains
spread over D days, built in Python exactly as `record_append` builds them (canonical
data, `record_digest`, each record's `prev_hash` the previous one's hash) and inserted with
`bulk_create` in batches. Then it times:

1. `audit_verify` in this process (the walk of every chain: each record recomputed);
2. the same command as an operator runs it (`manage.py audit_verify`, a fresh process),
   with its peak memory, to show the walk's memory does not grow with the records;
3. publishing the D days' chain heads (`heads_publish`) and `audit_verify --heads`.

Not a timed test. Run: `DATABASE_URL=postgres://... .venv/bin/python bench/audit_verify.py
[--records N] [--chains C] [--days D]`. The last line printed is one JSON object.
"""

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

KINDS = [
    ("created", "", "draft", "", {}),
    ("transition", "draft", "published", "", {"transition": "publish", "round": 1, "commitment": "ab" * 32}),
    ("signup", "", "", "", {"uscc": "91360900MA00000017", "round": 1}),
    ("transition", "published", "selecting", "", {"transition": "close_signup", "registrants": 5}),
    ("bid", "", "", "3号报价80000.00元", {"auction": 7, "seq": 3, "alias": "3号", "amount": "80000.00"}),
    ("transition", "selecting", "awaiting_confirmation", "", {"transition": "select", "method": "draw"}),
    ("transition", "awaiting_confirmation", "publicity", "", {"transition": "confirm"}),
    ("contract_owner", "", "", "", {"amount": "90000.00", "document_sha256": "cd" * 32}),
    ("overdue", "", "", "合同签订逾期", {"step": "contract", "party": "owner"}),
    ("transition", "delivered", "completed", "验收合格", {"transition": "accept"}),
]


def database_url_for(settings_db: dict) -> str:
    """A DATABASE_URL naming the bench database, for the operator's-process run."""
    engine = settings_db["ENGINE"]
    name = settings_db["NAME"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{name}"
    user, password = settings_db.get("USER") or "", settings_db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = settings_db.get("HOST") or "127.0.0.1", settings_db.get("PORT") or ""
    scheme = "postgres" if "postgresql" in engine else "mysql"
    return f"{scheme}://{auth}{host}{':' + str(port) if port else ''}/{name}"


def load(records: int, chains: int, days: int, batch: int) -> float:
    """Insert `records` records in `chains` chains over the last `days` days; seconds taken."""
    from audit.models import AuditRecord
    from audit.services import GENESIS, record_digest

    rng = random.Random(2026)
    per_chain, extra = divmod(records, chains)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)
    span = days * 86400 - 3600  # every record at least an hour before now
    started = time.perf_counter()
    pending: list[AuditRecord] = []
    for c in range(chains):
        length = per_chain + (1 if c < extra else 0)
        name = f"request:YCB{c:07d}"
        offsets = sorted(rng.randrange(span * 1_000_000) for _ in range(length))
        prev = GENESIS
        for seq, offset in enumerate(offsets, 1):
            kind, before, after, reason, data = KINDS[(seq - 1) % len(KINDS)]
            at = start + timedelta(microseconds=offset)
            label = f"用户{c % 977}@宜春市测试单位{c % 131}"
            digest = record_digest(prev_hash=prev, chain=name, seq=seq, kind=kind, actor_label=label,
                                   from_state=before, to_state=after, reason=reason, data=data, at_iso=at.isoformat())
            pending.append(AuditRecord(chain=name, seq=seq, kind=kind, actor_label=label, from_state=before,
                                       to_state=after, reason=reason, data=data, at=at, prev_hash=prev, hash=digest))
            prev = digest
            if len(pending) >= batch:
                AuditRecord.objects.bulk_create(pending)
                pending = []
    if pending:
        AuditRecord.objects.bulk_create(pending)
    return time.perf_counter() - started


def timed_command(*args) -> tuple[float, str]:
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command("audit_verify", *args, stdout=out)
    return time.perf_counter() - started, out.getvalue().strip()


def operator_run(url: str) -> tuple[float, float, str]:
    """`manage.py audit_verify` in a fresh process: wall seconds, peak RSS in MB, output."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "audit_verify"], env=env, capture_output=True,
                          text=True, check=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--chains", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.runner import DiscoverRunner
    from django.test.utils import setup_test_environment

    setup_test_environment()
    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = (
        str(Path(settings.VAR_DIR) / "bench-audit.sqlite3") if connection.vendor == "sqlite" else f"bench_{db['NAME']}_audit"
    )
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from audit.services import heads_publish

        load_s = load(args.records, args.chains, args.days, args.batch)
        print(f"loaded {args.records:,} records in {args.chains:,} chains over {args.days} days: {load_s:.1f} s",
              flush=True)
        verify_s, verify_out = timed_command()
        print(f"audit_verify (in process): {verify_s:.1f} s — {verify_out}", flush=True)
        operator_s, peak_mb, operator_out = operator_run(database_url_for(settings.DATABASES["default"]))
        print(f"manage.py audit_verify (fresh process): {operator_s:.1f} s, peak RSS {peak_mb:.0f} MB", flush=True)
        started = time.perf_counter()
        days = heads_publish()
        publish_s = time.perf_counter() - started
        print(f"heads_publish: {days} days in {publish_s:.1f} s", flush=True)
        heads_s, heads_out = timed_command("--heads")
        print(f"audit_verify --heads: {heads_s:.1f} s — {heads_out.splitlines()[-1]}", flush=True)
        ok = f"已校验 {args.records} 条记录" in verify_out and f"已校验 {args.records} 条记录" in operator_out
        print(json.dumps({
            "bench": "audit_verify", "database": connection.vendor, "records": args.records, "chains": args.chains,
            "days": args.days, "load_s": round(load_s, 1), "verify_s": round(verify_s, 1),
            "verify_records_per_s": round(args.records / verify_s), "verify_process_s": round(operator_s, 1),
            "verify_process_peak_rss_mb": round(peak_mb), "heads_publish_s": round(publish_s, 1),
            "heads_days": days, "verify_heads_s": round(heads_s, 1), "all_verified": ok,
        }))
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
