"""Writes of the anti-avoidance signals: the detection run (beat) and the officer's review.

Every change of a case is appended to its audit chain `signal:<id>` while its row is locked.
"""

import hashlib
import json
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_append
from core.calendar import workday_due
from core.exceptions import InvalidState, NotAllowed, NotFound
from core.jurisdiction import bureau_covers, is_bureau
from core.locking import lock_rows
from core.rules import rule_int
from core.text import text_clean
from supervision.detectors import DETECTORS, Candidate
from supervision.models import SignalCase

NOTE_MAX = 1000
ST = SignalCase.Status


def signal_chain(case: SignalCase) -> str:
    return f"signal:{case.pk}"


def fingerprint_of(fact_keys: list[str]) -> str:
    """The SHA-256 of the sorted fact keys: equal facts, equal fingerprint."""
    return hashlib.sha256(json.dumps(sorted(fact_keys), ensure_ascii=False).encode()).hexdigest()


def _refresh(case: SignalCase, c: Candidate, now: datetime) -> None:
    case.region_id, case.owner_id = c.region_id, c.owner_id
    case.firm_ids, case.request_ids = c.firm_ids, c.request_ids
    case.figure, case.figure_unit, case.threshold, case.rule_key = c.figure, c.figure_unit, c.threshold, c.rule_key
    case.summary, case.facts = c.summary[:300], c.facts
    case.fact_keys, case.fingerprint = sorted(c.fact_keys), fingerprint_of(c.fact_keys)
    case.last_seen_at = now


def _open(case: SignalCase, now: datetime) -> None:
    case.status, case.detected_at = ST.OPEN, now
    case.due_at = workday_due(now, rule_int("signal_review_workdays"))


def _record(case: SignalCase, kind: str, *, old: str, actor=None, reason: str = "", data: dict | None = None) -> None:
    record_append(chain=signal_chain(case), kind=kind, actor=actor, from_state=old, to_state=case.status, reason=reason,
                  data={"signal": case.kind, "figure": case.figure, "threshold": case.threshold,
                        "facts": case.fact_keys, **(data or {})})


def signal_case_upsert(*, candidate: Candidate, now: datetime) -> SignalCase:
    """Create or refresh the case of `candidate` (one row per kind and subject, whatever
    the number of runs or concurrent runs: the constraint `signal_case_once`).

    An open case takes the new facts. A reviewed case takes them too but stays reviewed
    unless a fact arrived that the review did not see (then it reopens, with a new due
    date). A cleared case (no longer raised at a run) opens again, or returns to reviewed
    when it had been reviewed and nothing new arrived since.
    """
    c = candidate
    with transaction.atomic():
        case = lock_rows(SignalCase.objects.filter(kind=c.kind, subject=c.subject)).first()
        if case is None:
            case = SignalCase(kind=c.kind, subject=c.subject)
            _refresh(case, c, now)
            _open(case, now)
            try:
                with transaction.atomic():
                    case.save()
            except IntegrityError:  # a concurrent run created it first: refresh theirs
                case = lock_rows(SignalCase.objects.filter(kind=c.kind, subject=c.subject)).get()
            else:
                _record(case, "signal_case_opened", old="")
                return case
        old = case.status
        _refresh(case, c, now)
        new_facts = sorted(set(case.fact_keys) - set(case.reviewed_fact_keys))
        if old == ST.REVIEWED and new_facts:
            _open(case, now)
        elif old == ST.CLEARED:
            if case.reviewed_at is not None and not new_facts:
                case.status = ST.REVIEWED
            else:
                _open(case, now)
        case.save()
        if case.status != old:
            _record(case, "signal_case_reopened", old=old, data={"new_facts": new_facts})
        return case


def signal_case_clear(*, case_id: int, now: datetime) -> SignalCase | None:
    """An open case the last run no longer raised (facts aged out of the period, or the
    bureau raised the threshold): cleared, kept with its history. Others are unchanged."""
    with transaction.atomic():
        case = lock_rows(SignalCase.objects.filter(pk=case_id)).first()
        if case is None or case.status != ST.OPEN:
            return case
        case.status, case.last_seen_at = ST.CLEARED, now
        case.save(update_fields=["status", "last_seen_at"])
        _record(case, "signal_case_cleared", old=ST.OPEN)
        return case


def signals_detect(*, now: datetime | None = None, kinds: list[str] | None = None) -> dict[str, int]:
    """The detection run (beat task `supervision.tasks.signals_detect_task`): every
    detector over the history as of `now`, each raised case upserted, each open case no
    longer raised cleared. Idempotent: a second run over the same history changes nothing
    but `last_seen_at`. Returns {kind: cases raised}."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for kind, detector in DETECTORS.items():
        if kinds is not None and kind not in kinds:
            continue
        found = detector(now=now)
        for candidate in found:
            signal_case_upsert(candidate=candidate, now=now)
        raised = {c.subject for c in found}
        stale = (SignalCase.objects.filter(kind=kind, status=ST.OPEN).exclude(subject__in=raised)
                 .values_list("pk", flat=True))
        for pk in list(stale):
            signal_case_clear(case_id=pk, now=now)
        counts[str(kind)] = len(found)
    return counts


@transaction.atomic
def signal_case_review(*, user, case_id: int, note: str) -> SignalCase:
    """A bureau officer in the case's scope marks an open case reviewed with a note
    (required, at most `NOTE_MAX` characters). The facts seen are kept: the case stays
    reviewed until a run finds a fact outside them.

    Raises NotAllowed (not bureau staff), NotFound (no such case in the officer's scope),
    InvalidState (already reviewed or cleared), ValidationFailed (the note).
    """
    if not is_bureau(user):
        raise NotAllowed("只有行政审批局工作人员可以核查异常线索。")
    note = text_clean(note, field="note", label="核查意见", max_length=NOTE_MAX, required=True)
    case = lock_rows(SignalCase.objects.filter(pk=case_id)).first()
    if case is None or not bureau_covers(user=user, region_id=case.region_id):
        raise NotFound("异常线索不存在。")
    if case.status != ST.OPEN:
        raise InvalidState(f"该线索{case.get_status_display()}，无需再核查。")
    old = case.status
    case.status, case.reviewed_at, case.reviewed_by, case.review_note = ST.REVIEWED, timezone.now(), user, note
    case.reviewed_fact_keys = sorted(set(case.reviewed_fact_keys) | set(case.fact_keys))  # every fact ever reviewed
    case.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_note", "reviewed_fact_keys"])
    _record(case, "signal_case_reviewed", old=old, actor=user, reason=note)
    return case
