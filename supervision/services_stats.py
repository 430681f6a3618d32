"""Keeping the pre-aggregated request facts (`supervision.models_stats.RequestStat`) in step
with the requests they describe.

`request_stat_refresh` recomputes one request's row after a status change (a listener of
"request.status_changed" queues it); `request_stats_rebuild` recomputes every row in
batches (the repair path, the benchmark's loader, a new definition). Both derive the row
from the request, its sign-ups and the transitions of its audit chain only, so a row is
never a source of truth and may be rebuilt at any time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from audit.models import AuditRecord
from core.calendar import workdays_counter
from core.locking import lock_rows
from market.lifecycle import Status, request_chain
from market.models import ServiceRequest, SignUp
from ratings.models import Rating
from supervision.models_stats import RequestStat

S = Status
#: 成交: the selection stood through publicity (contracting or any later state).
DEALT = frozenset({S.CONTRACTING, S.IN_SERVICE, S.DELIVERED, S.COMPLETED, S.RATED, S.TERMINATED})
#: The credit-code division prefix of firms registered in Yichun (GB/T 2260 "3609xx").
YICHUN_DIVISION = "3609"
#: Transitions of the audit chain whose times the figures need.
TIMED = ("publish", "select", "confirm")
BATCH = 2000

_FIELDS = (
    "id", "code", "region_id", "service_item_id", "method", "owner_id", "status", "publish_count", "failure_count",
    "published_at", "ceiling", "contract_amount", "selected_firm_id", "selected_firm__uscc", "service_starts_at",
    "delivered_at", "completed_at",
)
_UPDATE = [f.name for f in RequestStat._meta.concrete_fields if not f.primary_key]


def firm_is_outside(uscc: str | None) -> bool:
    """Whether a firm's unified social credit code names a registering authority outside
    Yichun (positions 3–6 not "3609"). A firm without a readable code counts as local: the
    platform records it under the city and nothing says otherwise."""
    code = (uscc or "").strip()
    return len(code) == 18 and code[2:6].isdigit() and code[2:6] != YICHUN_DIVISION


def _day(at: datetime | None) -> date | None:
    return timezone.localtime(at).date() if at is not None else None


def _timeline(records: list[tuple[str, datetime]]) -> dict[str, datetime | None]:
    """Step times from a request's transitions (in chain order): the first publication,
    the last selection, the publication of the round it ended and the first confirmation
    after it (a substitute's confirmation included)."""
    publishes = [at for name, at in records if name == "publish"]
    selects = [at for name, at in records if name == "select"]
    selected = selects[-1] if selects else None
    round_start = max((at for at in publishes if selected is None or at <= selected), default=None)
    confirmed = next((at for name, at in records if name == "confirm" and selected is not None and at >= selected),
                     None)
    return {"first_publish": publishes[0] if publishes else None, "round_start": round_start,
            "selected": selected, "confirmed": confirmed}


def _stat(row: dict, records: list[tuple[str, datetime]], signups: int, ratings: dict, count,
          now: datetime) -> RequestStat:
    times = _timeline(records)
    first = times["first_publish"] or row["published_at"]
    points = [times["round_start"] or row["published_at"], times["selected"], times["confirmed"],
              row["service_starts_at"], row["delivered_at"], row["completed_at"]]
    days = []
    for start, end in zip(points, points[1:]):
        a, b = _day(start), _day(end)
        days.append(count(a, b) if a is not None and b is not None and b >= a else None)
    firm_id = row["selected_firm_id"]
    return RequestStat(
        request_id=row["id"], region_id=row["region_id"], service_item_id=row["service_item_id"],
        method=row["method"], owner_id=row["owner_id"], published_on=_day(first), status=row["status"],
        publish_count=row["publish_count"], failure_count=row["failure_count"], signups=signups,
        dealt=row["status"] in DEALT, ceiling=row["ceiling"], contract_amount=row["contract_amount"],
        firm_id=firm_id, firm_outside=firm_is_outside(row["selected_firm__uscc"]) if firm_id else None,
        days_select=days[0], days_confirm=days[1], days_contract=days[2], days_deliver=days[3], days_accept=days[4],
        rating_owner=ratings.get(Rating.Side.OWNER, ("", False))[0],
        rating_owner_default=ratings.get(Rating.Side.OWNER, ("", False))[1],
        rating_firm=ratings.get(Rating.Side.FIRM, ("", False))[0],
        refreshed_at=now,
    )


def _upsert(stats: list[RequestStat]) -> None:
    if not stats:
        return
    kwargs = {"update_conflicts": True, "update_fields": _UPDATE}
    if connection.features.supports_update_conflicts_with_target:
        kwargs["unique_fields"] = ["request"]
    RequestStat.objects.bulk_create(stats, **kwargs)


def _published():
    return ServiceRequest.objects.filter(publish_count__gt=0, published_at__isnull=False)


def _compute(rows: list[dict], *, count, now: datetime) -> list[RequestStat]:
    """The rows' facts: three queries (their sign-ups, their counted ratings, their chains'
    timed transitions)."""
    ids = [row["id"] for row in rows]
    signups = dict(SignUp.objects.filter(request_id__in=ids).values("request_id").annotate(n=Count("id"))
                   .values_list("request_id", "n"))
    ratings: dict[int, dict] = defaultdict(dict)
    for request_id, side, overall, is_default in (Rating.objects.filter(request_id__in=ids)
                                                  .exclude(status=Rating.Status.VOIDED)
                                                  .values_list("request_id", "side", "overall", "is_default")):
        ratings[request_id][side] = (overall, is_default)
    chains = {request_chain(SimpleNamespace(code=row["code"])): row["id"] for row in rows}
    records: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for chain, name, at in (AuditRecord.objects.filter(chain__in=list(chains), kind="transition",
                                                       data__transition__in=list(TIMED))
                            .order_by("chain", "seq").values_list("chain", "data__transition", "at")):
        records[chains[chain]].append((name, at))
    return [_stat(row, records[row["id"]], signups.get(row["id"], 0), ratings[row["id"]], count, now)
            for row in rows]


def request_stat_refresh(*, request_id: int, now: datetime | None = None) -> RequestStat | None:
    """Recompute the facts of one request (None, and any old row removed, if it was never
    published). Holds the request's row lock while it reads and writes, so a refresh that
    read an older state cannot overwrite a newer one."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = list(lock_rows(ServiceRequest.objects.filter(pk=request_id))
                      .values_list("pk", flat=True))
        rows = list(_published().filter(pk__in=locked).values(*_FIELDS))
        if not rows:
            RequestStat.objects.filter(request_id=request_id).delete()
            return None
        start = _day(rows[0]["published_at"]) - timedelta(days=400)
        stats = _compute(rows, count=workdays_counter(start, timezone.localdate(now) + timedelta(days=1)), now=now)
        _upsert(stats)
        return stats[0]


def request_stats_rebuild(*, now: datetime | None = None, batch: int = BATCH, stale_only: bool = False) -> int:
    """Recompute the facts of every published request (with `stale_only`, of those without
    a row, whose status changed or whose ratings were given or answered after their row was
    written: what a lost refresh left),
    `batch` at a time, each batch its own transaction, without row locks: a request
    changing meanwhile is refreshed again by its own listener. Returns the rows written."""
    now = now or timezone.now()
    todo = _published()
    if stale_only:
        rated_since = Rating.objects.filter(request=OuterRef("pk")).filter(
            Q(created_at__gt=OuterRef("stat__refreshed_at")) | Q(dispute__answered_at__gt=OuterRef("stat__refreshed_at")))
        todo = todo.filter(Q(stat__isnull=True) | Q(stat__refreshed_at__lt=F("status_changed_at"))
                           | Exists(rated_since))
    first = AuditRecord.objects.filter(kind="transition", chain__startswith="request:").aggregate(m=Min("at"))["m"]
    oldest = _published().aggregate(m=Min("published_at"))["m"]
    starts = [_day(at) for at in (first, oldest) if at is not None]
    if not starts:
        return 0
    count = workdays_counter(min(starts), timezone.localdate(now) + timedelta(days=1))
    written, last = 0, 0
    while True:
        rows = list(todo.filter(pk__gt=last).order_by("pk").values(*_FIELDS)[:batch])
        if not rows:
            return written
        with transaction.atomic():
            _upsert(_compute(rows, count=count, now=now))
        written += len(rows)
        last = rows[-1]["id"]
