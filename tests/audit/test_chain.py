"""The append-only, hash-chained record and `manage.py audit_verify`."""

import io

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditRecord
from audit.selectors import chain_verify, chains_verify
from audit.services import record_append
from tests.audit.tamper import guards_lifted, raw


def _chain(name: str = "request:T", n: int = 3):
    for i in range(n):
        record_append(chain=name, kind="transition", from_state=str(i), to_state=str(i + 1), reason="原因",
                      data={"i": i})


def _verify(*args) -> str:
    out = io.StringIO()
    call_command("audit_verify", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_genuine_chain_verifies():
    _chain()
    check = chain_verify(chain="request:T")
    assert check.ok and check.length == 3


@pytest.mark.django_db
def test_audit_verify_counts_every_record_of_every_chain():
    _chain("request:A", 3)
    _chain("entry:7", 2)
    _chain("credit:9", 4)
    assert "已校验 9 条记录（3 条链）" in _verify()
    assert "已校验 2 条记录（链 entry:7）" in _verify("--chain", "entry:7")


@pytest.mark.django_db
def test_the_walk_crosses_batch_boundaries_inside_and_between_chains():
    _chain("request:A", 7)
    _chain("request:B", 5)
    _chain("request:C", 1)
    check = chains_verify(batch=3)
    assert check.ok and (check.records, check.chains) == (13, 3)


# Tampering needs the guard triggers out of the way: transactional tests (see tamper.py).
tampering = pytest.mark.django_db(transaction=True)


@tampering
def test_one_byte_changed_in_an_old_record_is_named_by_audit_verify():
    _chain("request:A", 3)
    _chain("request:T", 5)
    _chain("request:Z", 3)
    victim = AuditRecord.objects.get(chain="request:T", seq=2)
    with guards_lifted():
        # "原因" → "原困": one character of the reason, straight in the database.
        assert raw("UPDATE audit_auditrecord SET reason = %s WHERE id = %s", ["原困", victim.pk]) == 1
    with pytest.raises(CommandError) as failure:
        _verify()
    message = str(failure.value)
    assert failure.value.returncode == 1
    assert f"id={victim.pk}" in message and "request:T" in message and "第 2 条" in message
    assert "内容与其哈希不符" in message and victim.hash in message
    # The other chains still verify on their own.
    assert "已校验 3 条记录" in _verify("--chain", "request:Z")


@tampering
def test_a_record_rewritten_with_its_own_hash_breaks_the_next_link():
    _chain("request:T", 4)
    victim = AuditRecord.objects.get(chain="request:T", seq=2)
    following = AuditRecord.objects.get(chain="request:T", seq=3)
    forged = "f" * 64
    with guards_lifted():
        raw("UPDATE audit_auditrecord SET hash = %s WHERE id = %s", [forged, victim.pk])
    check = chains_verify()
    # Record 2's own content no longer matches the forged hash; had the forger recomputed it
    # correctly, record 3's prev_hash would be the one that no longer fits.
    assert not check.ok and check.broken.id == victim.pk
    with guards_lifted():
        raw("UPDATE audit_auditrecord SET hash = %s WHERE id = %s", [victim.hash, victim.pk])
        raw("UPDATE audit_auditrecord SET prev_hash = %s WHERE id = %s", [forged, following.pk])
    check = chains_verify()
    assert not check.ok and check.broken.id == following.pk and "prev_hash" in check.broken.problem


@tampering
def test_a_removed_record_is_detected():
    _chain("request:T", 3)
    victim = AuditRecord.objects.get(chain="request:T", seq=2)
    with guards_lifted():
        raw("DELETE FROM audit_auditrecord WHERE id = %s", [victim.pk])
    check = chain_verify(chain="request:T")
    assert not check.ok and check.broken_at == 3
    with pytest.raises(CommandError, match="缺少第 2 条记录"):
        _verify("--chain", "request:T")


@pytest.mark.django_db
def test_a_blank_chain_name_is_refused():
    with pytest.raises(CommandError, match="不能为空"):
        _verify("--chain", " ")


def test_the_link_hash_is_sha256_of_the_canonical_json_of_its_fields():
    import hashlib
    import json

    from audit.services import record_digest

    fields = ["0" * 64, "request:T", 3, "bid", "王芳@宜春市交通运输局", "", "", "1号报价80000.00元",
              {"z": [1, {"b": "二", "a": None}], "amount": "80000.00"}, "2026-12-03T06:30:00.123456+00:00"]
    expected = hashlib.sha256(json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                              .encode("utf-8")).hexdigest()
    names = ["prev_hash", "chain", "seq", "kind", "actor_label", "from_state", "to_state", "reason", "data", "at_iso"]
    assert record_digest(**dict(zip(names, fields, strict=True))) == expected
