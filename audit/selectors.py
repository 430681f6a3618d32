"""Reading and verifying audit chains."""

from dataclasses import dataclass

from django.db.models import QuerySet

from audit.models import AuditRecord
from audit.services import GENESIS, record_digest


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    length: int
    broken_at: int | None = None
    detail: str = ""


def chain_records(*, chain: str) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(chain=chain).order_by("seq")


def chain_verify(*, chain: str) -> ChainCheck:
    """Recompute every link of `chain`; report the first one that does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for rec in chain_records(chain=chain).iterator():
        count += 1
        if rec.seq != expected_seq:
            return ChainCheck(False, count, rec.seq, f"missing record before seq {rec.seq}")
        if rec.prev_hash != prev:
            return ChainCheck(False, count, rec.seq, "prev_hash does not match the previous record")
        digest = record_digest(
            prev_hash=rec.prev_hash,
            chain=rec.chain,
            seq=rec.seq,
            kind=rec.kind,
            actor_label=rec.actor_label,
            from_state=rec.from_state,
            to_state=rec.to_state,
            reason=rec.reason,
            data=rec.data,
            at_iso=rec.at.isoformat(),
        )
        if digest != rec.hash:
            return ChainCheck(False, count, rec.seq, "record content does not match its hash")
        prev = rec.hash
        expected_seq += 1
    return ChainCheck(True, count)
