"""Appending to the audit chain."""

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from audit.models import AuditRecord

GENESIS = "0" * 64


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
    """The hash of one link; `audit.selectors.chain_verify` recomputes it."""
    payload = json.dumps(
        [prev_hash, chain, seq, kind, actor_label, from_state, to_state, reason, data, at_iso],
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
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
    at = timezone.now()
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
