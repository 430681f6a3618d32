"""The daily publication of every chain's head, and `audit_verify --heads`."""

import hashlib
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditRecord, ChainHead, DailyRoot
from audit.selectors import heads_verify
from audit.services import (
    GENESIS,
    daily_root_digest,
    heads_publish,
    record_append,
    record_digest,
)
from tests.audit.tamper import guards_lifted, raw

BJ = ZoneInfo("Asia/Shanghai")


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=BJ)


def append_at(monkeypatch, at: datetime, chain: str, kind: str = "transition", **kwargs):
    monkeypatch.setattr(timezone, "now", lambda: at)
    try:
        return record_append(chain=chain, kind=kind, **kwargs)
    finally:
        monkeypatch.undo()


@pytest.fixture
def history(monkeypatch):
    """Dec 1: request:A ×2, entry:7 ×1 (one of them at 23:59 Beijing, 15:59 UTC);
    Dec 2: request:A ×1; Dec 3: nothing."""
    append_at(monkeypatch, bj(2026, 12, 1, 9, 0), "request:A", reason="一")
    append_at(monkeypatch, bj(2026, 12, 1, 10, 0), "entry:7", reason="入驻")
    append_at(monkeypatch, bj(2026, 12, 1, 23, 59), "request:A", reason="二")
    append_at(monkeypatch, bj(2026, 12, 2, 0, 1), "request:A", reason="三")


def _verify(*args) -> str:
    out = io.StringIO()
    call_command("audit_verify", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_each_finished_day_is_published_once_with_its_heads_and_a_chained_root(history):
    assert heads_publish(now=bj(2026, 12, 4, 0, 30)) == 3
    a = {r.seq: r.hash for r in AuditRecord.objects.filter(chain="request:A")}
    e = AuditRecord.objects.get(chain="entry:7").hash
    heads = list(ChainHead.objects.order_by("day", "chain").values_list("day", "chain", "count", "head_hash"))
    assert heads == [(date(2026, 12, 1), "entry:7", 1, e), (date(2026, 12, 1), "request:A", 2, a[2]),
                     (date(2026, 12, 2), "request:A", 3, a[3])]
    roots = list(DailyRoot.objects.order_by("day"))
    assert [(r.day, r.chains, r.records, r.total) for r in roots] == [
        (date(2026, 12, 1), 2, 3, 3), (date(2026, 12, 2), 1, 1, 4), (date(2026, 12, 3), 0, 0, 4)]
    # The published formula, recomputed here with hashlib alone.
    text = f"YCZJCS-AUDIT-ROOT-v1\n2026-12-01\n{GENESIS}\nentry:7|1|{e}\nrequest:A|2|{a[2]}\n"
    assert roots[0].root == hashlib.sha256(text.encode()).hexdigest()
    assert roots[1].prev_root == roots[0].root and roots[2].prev_root == roots[1].root
    assert roots[2].root == daily_root_digest(day=date(2026, 12, 3), prev_root=roots[1].root, heads=[])
    # Idempotent: nothing is written twice.
    assert heads_publish(now=bj(2026, 12, 4, 23, 0)) == 0
    assert DailyRoot.objects.count() == 3 and ChainHead.objects.count() == 3
    assert heads_verify().ok
    assert "已重算 3 天公布的 3 个链头" in _verify("--heads")


@pytest.mark.django_db
def test_a_day_is_published_only_once_it_has_settled(history):
    assert heads_publish(now=bj(2026, 12, 2, 0, 5)) == 0  # Dec 1 ended 5 minutes ago
    assert heads_publish(now=bj(2026, 12, 2, 0, 11)) == 1
    assert list(DailyRoot.objects.values_list("day", flat=True)) == [date(2026, 12, 1)]


@pytest.mark.django_db
def test_nothing_is_published_before_the_first_record():
    assert heads_publish(now=bj(2026, 12, 4, 1, 0)) == 0
    assert not DailyRoot.objects.exists()


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_publication_task(history, monkeypatch):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-heads"]
    assert entry["task"] == "audit.tasks.heads_publish_task"
    from audit.tasks import heads_publish_task

    monkeypatch.setattr(timezone, "now", lambda: bj(2026, 12, 2, 1, 0))
    assert heads_publish_task.delay().get() == 1
    assert heads_publish_task.delay().get() == 0


@pytest.mark.django_db
def test_a_record_stamped_into_an_already_published_day_is_caught(history, monkeypatch):
    heads_publish(now=bj(2026, 12, 3, 1, 0))
    append_at(monkeypatch, bj(2026, 12, 2, 12, 0), "credit:9", reason="补记")
    check = heads_verify()
    assert not check.ok and "2026-12-02 链 credit:9" in check.problem and "未公布" in check.problem
    with pytest.raises(CommandError, match="credit:9"):
        _verify("--heads")


def _rechain(chain: str, from_seq: int, reason: str) -> None:
    """A forger's full rewrite: record `from_seq` gets a new reason and it and every later
    record of the chain get recomputed hashes, so the chain itself verifies again."""
    rows = list(AuditRecord.objects.filter(chain=chain).order_by("seq"))
    prev = rows[from_seq - 2].hash if from_seq > 1 else GENESIS
    for rec in rows[from_seq - 1:]:
        if rec.seq == from_seq:
            rec.reason = reason
        digest = record_digest(prev_hash=prev, chain=rec.chain, seq=rec.seq, kind=rec.kind,
                               actor_label=rec.actor_label, from_state=rec.from_state, to_state=rec.to_state,
                               reason=rec.reason, data=rec.data, at_iso=rec.at.isoformat())
        raw("UPDATE audit_auditrecord SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [rec.reason, prev, digest, rec.pk])
        prev = digest


@pytest.mark.django_db(transaction=True)
def test_a_rewritten_and_rehashed_chain_passes_the_walk_but_not_the_published_heads(history):
    heads_publish(now=bj(2026, 12, 3, 1, 0))
    with guards_lifted():
        _rechain("request:A", 1, "改写")
    assert "已校验 4 条记录" in _verify()  # the chain alone cannot tell
    with pytest.raises(CommandError) as failure:
        _verify("--heads")
    assert "2026-12-01 链 request:A" in str(failure.value) and "公布的链头为第 2 条" in str(failure.value)
    with pytest.raises(CommandError, match="request:A"):
        _verify("--chain", "request:A", "--heads")
    assert "已重算" in _verify("--chain", "entry:7", "--heads")


@pytest.mark.django_db(transaction=True)
def test_republishing_a_rewritten_day_changes_every_later_root(history):
    """Whoever kept any root from the rewritten day onwards sees a different value now."""
    heads_publish(now=bj(2026, 12, 3, 1, 0))
    kept = dict(DailyRoot.objects.values_list("day", "root"))
    with guards_lifted():
        _rechain("request:A", 1, "改写")
        # The forger republishes Dec 1 consistently with the rewritten records...
        new_head = AuditRecord.objects.get(chain="request:A", seq=2).hash
        raw("UPDATE audit_chainhead SET head_hash = %s WHERE day = %s AND chain = %s",
            [new_head, date(2026, 12, 1), "request:A"])
        heads = list(ChainHead.objects.filter(day=date(2026, 12, 1)).values_list("chain", "count", "head_hash"))
        root = daily_root_digest(day=date(2026, 12, 1), prev_root=GENESIS, heads=heads)
        raw("UPDATE audit_dailyroot SET root = %s WHERE day = %s", [root, date(2026, 12, 1)])
    assert root != kept[date(2026, 12, 1)]
    check = heads_verify()
    # ...but Dec 2 still names the old root as its predecessor (and Dec 2's head moved too).
    assert not check.ok and "2026-12-02 的前一日根哈希" in check.problem
