"""Benchmark: render the public announcement list with 10,000 requests in the database.

Creates a throw-away test database (SQLite by default, DATABASE_URL if set), fills it
with N published requests (bulk, as fixture data), then renders page 1 and a filtered,
searched page through Django's test client. Prints the median and p90 render times and
the query count per page. Not a timed test; run
`.venv/bin/python bench/announcement_list.py [--requests N] [--runs R]`.
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
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.runner import DiscoverRunner
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        str(Path(settings.VAR_DIR) / "bench-db.sqlite3") if connection.vendor == "sqlite" else "bench_yczjcs"
    )
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        fill(args.requests)
        from django.test import Client

        client = Client()
        for label, url in [("page 1", "/"), ("filtered + search", "/?region=360982&method=draw&q=工程")]:
            client.get(url)  # warm caches and templates
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            times.sort()
            print(f"{label:<20} median {statistics.median(times):7.1f} ms   p90 {times[int(len(times) * 0.9) - 1]:7.1f} ms"
                  f"   queries {len(ctx.captured_queries)}   ({args.requests} requests, {connection.vendor})")
    finally:
        runner.teardown_databases(old)


def fill(n: int) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import Organisation, Region, User
    from market.models import ServiceItem, ServiceRequest

    regions = list(Region.objects.all())
    items = list(ServiceItem.objects.all())
    owners = [Organisation.objects.create(kind="owner", name=f"业主单位{i}", region=regions[i % len(regions)]) for i in range(20)]
    user = User.objects.create(username="bench", organisation=owners[0])
    now = timezone.now()
    rows = []
    for i in range(n):
        rows.append(ServiceRequest(
            code=f"YC20261130-B{i:06d}", owner=owners[i % 20], created_by=user, service_item=items[i % len(items)],
            region=regions[i % len(regions)], title=f"第{i}号工程建设项目{items[i % len(items)].name}",
            scope="服务内容", funding="fiscal", ceiling=Decimal("100000.00") + i, method=["draw", "auction"][i % 2],
            signup_deadline=now + timedelta(days=5), selection_at=now + timedelta(days=6), service_days=30,
            contact_name="张三", contact_phone="0795-3200000",
            status=["published", "selecting", "failed", "cancelled"][i % 4], published_at=now - timedelta(minutes=i),
            publish_count=1,
        ))
    ServiceRequest.objects.bulk_create(rows, batch_size=1000)


if __name__ == "__main__":
    main()
