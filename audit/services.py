"""Appending to the audit chains, and publishing their heads once a day."""

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditRecord, ChainHead, DailyRoot

GENESIS = "0" * 64
# The canonical JSON of a link (one encoder for every call: the walk over a million
# records spends much of its time here). Same output as json.dumps with these options.
_CANONICAL = DjangoJSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_digest(
    *,
    prev_hash: str,
    chain: str,
    seq: int,
    kind: str,
    actor_label: str,
    from_state: str,
    to_state: str,
    reason: str,
    data: dict,
    at_iso: str,
) -> str:
    """The hash of one link; `audit.selectors.chains_verify` recomputes it."""
    payload = _CANONICAL.encode([prev_hash, chain, seq, kind, actor_label, from_state, to_state, reason, data, at_iso])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def actor_label_of(actor) -> str:
    if actor is None:
        return "system"
    org = getattr(actor, "organisation", None)
    name = getattr(actor, "display_name", "") or actor.get_username()
    return f"{name}@{org.name}" if org is not None else name


def record_append(
    *,
    chain: str,
    kind: str,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to `chain`.

    Precondition: the caller holds the row lock of the chain's subject (the request,
    the entry, the firm), so the next sequence number cannot be taken twice; the unique
    (chain, seq) constraint is the backstop if a caller forgets.
    """
    last = AuditRecord.objects.filter(chain=chain).order_by("-seq").only("seq", "hash").first()
    seq = last.seq + 1 if last else 1
    prev_hash = last.hash if last else GENESIS
    # Canonical JSON round-trip so the stored data and the hashed data are the same values.
    clean = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))
    # Hashed as UTC, the zone the database hands it back in, so the walk recomputes it.
    at = timezone.now().astimezone(UTC)
    label = actor_label_of(actor)
    digest = record_digest(
        prev_hash=prev_hash,
        chain=chain,
        seq=seq,
        kind=kind,
        actor_label=label,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=clean,
        at_iso=at.isoformat(),
    )
    return AuditRecord.objects.create(
        chain=chain,
        seq=seq,
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=label,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=clean,
        at=at,
        prev_hash=prev_hash,
        hash=digest,
    )


# ---------------------------------------------------------------------------------------
# Daily publication of the chains' heads

ROOT_ALGORITHM = "YCZJCS-AUDIT-ROOT-v1"
# A day is published only once it has been over this long, so a transaction that took
# its timestamp before midnight and committed just after is in the day's heads.
SETTLE = timedelta(minutes=10)


def daily_root_digest(*, day: date, prev_root: str, heads: Iterable[tuple[str, int, str]]) -> str:
    """The root of `day`: sha256 over the algorithm name, the day, the previous day's root
    and one line `chain|count|head_hash` per chain that grew that day, sorted by chain name
    (Unicode code points). Anyone can recompute it from the published heads."""
    lines = "".join(f"{chain}|{count}|{head}\n" for chain, count, head in sorted(heads))
    text = f"{ROOT_ALGORITHM}\n{day.isoformat()}\n{prev_root}\n{lines}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def heads_publish(*, now: datetime | None = None) -> int:
    """Publish the chain heads and the root of every finished day not yet published, in
    day order, and return how many days were published.

    Idempotent and safe to run concurrently: a day is one transaction, and the unique day
    of `DailyRoot` lets only one writer publish it (the other stops at the conflict).
    Days without records get a root too (it then only carries the previous one forward).
    Guarantee: each published day's heads are exactly what `day_heads` derives from the
    records, so `audit_verify --heads` recomputes them.
    """
    from audit.selectors import day_heads, day_of

    now = now or timezone.now()
    last_day = day_of(now - SETTLE) - timedelta(days=1)  # the latest day that is over and settled
    latest = DailyRoot.objects.order_by("-day").first()
    if latest is not None:
        day, prev_root, total = latest.day + timedelta(days=1), latest.root, latest.total
    else:
        first = AuditRecord.objects.order_by("at").values_list("at", flat=True).first()
        if first is None:
            return 0
        day, prev_root, total = day_of(first), GENESIS, 0
    published = 0
    while day <= last_day:
        heads, records = day_heads(day=day)
        total += records
        root = daily_root_digest(day=day, prev_root=prev_root, heads=[(c, n, h) for c, (n, h) in heads.items()])
        try:
            with transaction.atomic():
                DailyRoot.objects.create(day=day, prev_root=prev_root, root=root, chains=len(heads),
                                         records=records, total=total, published_at=now)
                ChainHead.objects.bulk_create(
                    [ChainHead(day=day, chain=c, count=n, head_hash=h) for c, (n, h) in heads.items()],
                    batch_size=2000,
                )
        except IntegrityError:
            return published  # another publisher got there first; it carries on from here
        published += 1
        prev_root = root
        day += timedelta(days=1)
    return published
