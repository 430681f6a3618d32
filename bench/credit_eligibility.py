"""Benchmark: the eligibility check (`market.selectors.firm_eligibility`, whose credit part
is `credit.selectors.credit_restriction`) for a firm with 1,000 credit events.

Creates a throw-away test database (SQLite by default, DATABASE_URL if set), gives one
firm N past events (expired, revoked, warnings) plus one suspension in force, and times
the check. Prints the median and p90 and the query count, and the same for a firm with
one event. Not a timed test; run
`.venv/bin/python bench/credit_eligibility.py [--events N] [--runs R]`.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.runner import DiscoverRunner
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        str(Path(settings.VAR_DIR) / "bench-credit.sqlite3") if connection.vendor == "sqlite" else "bench_yczjcs_credit"
    )
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from credit.selectors import credit_restriction
        from market.selectors import firm_eligibility

        req, heavy, light = fill(args.events)
        for label, org, n in [("1 event", light, 1), (f"{args.events} events", heavy, args.events)]:
            for name, check in [
                ("firm_eligibility", lambda o=org: firm_eligibility(organisation=o, request=req)),
                ("credit_restriction", lambda o=org: credit_restriction(organisation_id=o.pk)),
            ]:
                result = check()  # warm
                assert not getattr(result, "ok", False), "the firm must be refused (a suspension is in force)"
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    check()
                    times.append((time.perf_counter() - start) * 1000)
                with CaptureQueriesContext(connection) as ctx:
                    check()
                times.sort()
                print(f"{name:<19} {label:<12} median {statistics.median(times):6.3f} ms   "
                      f"p90 {times[int(len(times) * 0.9) - 1]:6.3f} ms   queries {len(ctx.captured_queries)}   "
                      f"({connection.vendor})")
    finally:
        runner.teardown_databases(old)


def fill(n: int):
    from datetime import timedelta

    from django.utils import timezone

    from credit.models import CreditEvent
    from tests.factories import firm_user, published_request, service_item

    item = service_item()
    req = published_request(item=item)
    req = type(req).objects.select_related("service_item", "service_item__qualification_type").get(pk=req.pk)
    heavy, light = firm_user(item=item).organisation, firm_user(item=item).organisation
    now = timezone.now()
    rows = []
    for i in range(n - 1):
        status, sanction = [("expired", "suspension"), ("revoked", "removal"), ("active", "warning")][i % 3]
        rows.append(CreditEvent(
            organisation=heavy, kind="历史记录", kind_code="service_overdue", sanction=sanction, points=-1,
            rule_source="bench", region_id="360900", starts_at=now - timedelta(days=800 - i % 700),
            ends_at=now - timedelta(days=1 + i % 50) if status == "expired" else None, status=status,
            cause_key=f"bench:{i}",
        ))
    CreditEvent.objects.bulk_create(rows, batch_size=500)
    for org in (heavy, light):
        CreditEvent.objects.create(organisation=org, kind="违规收费（收费乱）", kind_code="overcharging",
                                   sanction="suspension", points=-20, rule_source="bench", region_id="360921",
                                   starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=180))
    return req, heavy, light


if __name__ == "__main__":
    main()
