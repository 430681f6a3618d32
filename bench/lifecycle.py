"""Benchmark: the random draw among 10,000 registrants, and each lifecycle service call.

Creates a throw-away test database (SQLite by default, DATABASE_URL if set) and
1. fills it with N approved, qualified firms signed up for one request (bulk, as fixture
   data), then times the full `draw_run` service (every registrant re-checked with
   `firm_eligibility`, the record built, stored and the winner selected), and separately
   the pool query plus `bidding.draw.build_record` alone;
2. runs R requests through their whole life with the services (publish, close sign-up,
   draw, confirm, end of publicity, contract by owner and firm, delivery, acceptance) and
   prints the median and p90 of each call.
Not a timed test; run `.venv/bin/python bench/lifecycle.py [--registrants N] [--requests R]`.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrants", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.runner import DiscoverRunner
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bench-media-"))
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        str(Path(settings.VAR_DIR) / "bench-db.sqlite3") if connection.vendor == "sqlite" else "bench_yczjcs_life"
    )
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        big_draw(args.registrants)
        lifecycle(args.requests)
    finally:
        runner.teardown_databases(old)


def _owner(name: str):
    from accounts.models import Organisation, User

    org = Organisation.objects.create(kind="owner", name=name, region_id="360900")
    return User.objects.create(username=f"bench-{name}", organisation=org)


def _firms(n: int, item, prefix: int):
    """n approved firms holding `item`'s qualification, with one user each (bulk)."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Organisation, User
    from core.uscc import uscc_check_char
    from market.models import Entry, Qualification

    codes = []
    for i in range(n):
        first17 = f"9136{prefix:02d}00MA{i:07d}"
        codes.append(first17 + uscc_check_char(first17))
    Organisation.objects.bulk_create(
        [Organisation(kind="intermediary", name=f"中介{prefix}-{i}", uscc=c, region_id="360900") for i, c in enumerate(codes)],
        batch_size=2000,
    )
    orgs = list(Organisation.objects.filter(uscc__in=codes).order_by("pk"))
    now = timezone.now()
    Entry.objects.bulk_create(
        [Entry(organisation=o, legal_rep="法人", status="approved", approved_at=now) for o in orgs], batch_size=2000
    )
    qtype = item.qualification_type
    grade = item.min_grade or (qtype.grades[-1] if qtype.grades else "")
    Qualification.objects.bulk_create(
        [Qualification(organisation=o, qualification_type=qtype, grade=grade, cert_no=f"B-{o.pk}",
                       valid_until=timezone.localdate() + timedelta(days=365)) for o in orgs],
        batch_size=2000,
    )
    User.objects.bulk_create([User(username=f"bench-firm-{o.pk}", organisation=o) for o in orgs], batch_size=2000)
    return orgs


def _draft(owner, item):
    from tests.factories import request_draft

    return request_draft(owner=owner, item=item)


def _due(req):
    from datetime import timedelta

    from django.utils import timezone

    from market.models import ServiceRequest

    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(minutes=2),
                                                    selection_at=now - timedelta(minutes=1))


def big_draw(n: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bidding import draw as recipe
    from bidding.services_draw import draw_run
    from market.models import ServiceItem, SignUp
    from market.selectors import eligible_firms
    from market.services_requests import request_close_signup, request_publish

    items = list(ServiceItem.objects.filter(qualification_type__isnull=False).order_by("code"))
    item = items[0]
    start = time.perf_counter()
    orgs = _firms(n, item, prefix=9)
    owner = _owner("big")
    req = _draft(owner, item)
    # Publishing pushes invitations to every qualified firm (eager Celery here): timed too.
    t0 = time.perf_counter()
    request_publish(request_id=req.pk, user=owner)
    publish_ms = (time.perf_counter() - t0) * 1000
    from accounts.models import User

    user_of = dict(User.objects.filter(organisation__in=orgs).values_list("organisation_id", "pk"))
    SignUp.objects.bulk_create(
        [SignUp(request=req, organisation=o, round=1, user_id=user_of[o.pk]) for o in orgs], batch_size=2000
    )
    print(f"fixture: {n} signed-up firms in {time.perf_counter() - start:.1f} s ({connection.vendor})")
    print(f"request_publish with invitations to {n} firms: {publish_ms:9.1f} ms")
    _due(req)
    t0 = time.perf_counter()
    request_close_signup(request_id=req.pk)
    print(f"request_close_signup ({n} registrants):    {(time.perf_counter() - t0) * 1000:9.1f} ms")

    req.refresh_from_db()
    t0 = time.perf_counter()
    pool = list(
        eligible_firms(request=req, at=timezone.now())
        .filter(pk__in=SignUp.objects.filter(request=req, round=req.publish_count).values("organisation_id"))
        .values_list("uscc", flat=True)
    )
    pool_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    record = recipe.build_record(request_code=req.code, nonce=bytes.fromhex(req.draw_nonce),
                                 commitment=req.draw_commitment, pool=pool, excluded=[], drawn_at=timezone.now())
    build_ms = (time.perf_counter() - t0) * 1000
    print(f"pool query (one query, {len(pool)} eligible):  {pool_ms:9.1f} ms")
    print(f"build_record ({len(record['ranking'])} ranked):          {build_ms:9.1f} ms")

    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = draw_run(request_id=req.pk)
        full_ms = (time.perf_counter() - t0) * 1000
    assert result is not None and len(result.record["ranking"]) == n
    print(f"draw_run full service ({n} registrants):  {full_ms:9.1f} ms   queries {len(ctx.captured_queries)}")


def lifecycle(runs: int) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from bidding.services_draw import draw_run
    from market.models import ServiceItem, ServiceRequest, SignUp
    from market.services_requests import request_close_signup, request_publish
    from market.services_results import (
        contract_upload,
        publicity_end,
        request_accept,
        request_confirm,
        result_deliver,
    )

    items = list(ServiceItem.objects.filter(qualification_type__isnull=False).order_by("code"))
    item = items[1]
    firms = _firms(5, item, prefix=8)
    owner = _owner("life")
    from accounts.models import User

    firm_users = {u.organisation_id: u for u in User.objects.filter(organisation__in=firms)}
    times: dict[str, list[float]] = {k: [] for k in (
        "request_publish", "request_close_signup", "draw_run", "request_confirm", "publicity_end",
        "contract_upload (owner)", "contract_upload (firm)", "result_deliver", "request_accept")}

    def timed(label, fn):
        t0 = time.perf_counter()
        value = fn()
        times[label].append((time.perf_counter() - t0) * 1000)
        return value

    def pdf():
        return SimpleUploadedFile("c.pdf", b"%PDF-1.4\n% bench\n", content_type="application/pdf")

    for _ in range(runs):
        req = _draft(owner, item)
        timed("request_publish", lambda: request_publish(request_id=req.pk, user=owner))
        SignUp.objects.bulk_create([SignUp(request=req, organisation=f, round=1, user=firm_users[f.pk]) for f in firms])
        _due(req)
        timed("request_close_signup", lambda: request_close_signup(request_id=req.pk))
        timed("draw_run", lambda: draw_run(request_id=req.pk))
        timed("request_confirm", lambda: request_confirm(request_id=req.pk, user=owner))
        ServiceRequest.objects.filter(pk=req.pk).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
        timed("publicity_end", lambda: publicity_end(request_id=req.pk))
        req.refresh_from_db()
        firm = firm_users[req.selected_firm_id]
        amount = Decimal("90000.00")
        timed("contract_upload (owner)", lambda: contract_upload(request_id=req.pk, user=owner, document=pdf(), amount=amount))
        timed("contract_upload (firm)", lambda: contract_upload(request_id=req.pk, user=firm, document=pdf(), amount=amount))
        timed("result_deliver", lambda: result_deliver(request_id=req.pk, user=firm, document=pdf()))
        timed("request_accept", lambda: request_accept(request_id=req.pk, user=owner))
        req.refresh_from_db()
        assert req.status == ServiceRequest.Status.COMPLETED, req.status
    print(f"lifecycle service calls, {runs} requests with 5 registrants each:")
    for label, values in times.items():
        values.sort()
        print(f"  {label:<26} median {statistics.median(values):7.2f} ms   p90 {values[int(len(values) * 0.9) - 1]:7.2f} ms")


if __name__ == "__main__":
    main()
