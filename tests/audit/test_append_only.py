"""Nothing changes or removes an audit record: the model refuses, and so does the database."""

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import guards
from audit.models import AppendOnlyError, AuditRecord, ChainHead, DailyRoot
from audit.services import record_append
from tests.audit.tamper import raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    record_append(chain="request:T", kind="created", to_state="draft")
    return record_append(chain="request:T", kind="transition", from_state="draft", to_state="published", reason="发布")


def test_the_model_refuses_to_save_an_existing_record_or_delete_one(record):
    record.reason = "changed"
    with pytest.raises(AppendOnlyError, match="只能追加"):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    record.refresh_from_db()
    assert record.reason == "发布"


@pytest.mark.parametrize("attempt", [
    lambda qs: qs.update(reason="changed"),
    lambda qs: qs.delete(),
    lambda qs: qs.bulk_update(list(qs), ["reason"]),
    lambda qs: qs.update_or_create(chain="request:T", seq=1, defaults={"reason": "changed"}),
    lambda qs: AuditRecord.objects.update(reason="changed"),
    lambda qs: AuditRecord.objects.all().delete(),
])
def test_querysets_refuse_bulk_update_and_delete(record, attempt):
    with pytest.raises(AppendOnlyError):
        attempt(AuditRecord.objects.filter(chain="request:T"))
    assert list(AuditRecord.objects.filter(chain="request:T").values_list("seq", "reason")) == [(1, ""), (2, "发布")]


def test_published_heads_and_roots_are_append_only_too():
    head = ChainHead.objects.create(day=date(2026, 12, 1), chain="request:T", count=2, head_hash="a" * 64)
    root = DailyRoot.objects.create(day=date(2026, 12, 1), prev_root="0" * 64, root="b" * 64, chains=1, records=2,
                                    total=2, published_at=timezone.now())
    for row in (head, root):
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()
        with pytest.raises(AppendOnlyError):
            type(row).objects.all().update(day=date(2026, 12, 2))


def test_every_guard_trigger_of_this_database_is_installed():
    """Fails if a later migration re-created an audit table and lost its triggers (SQLite
    alters a column that way)."""
    assert guards.trigger_names(connection.vendor)
    assert guards.installed(connection) == set(guards.trigger_names(connection.vendor))


@pytest.mark.parametrize("table", guards.TABLES)
def test_the_database_refuses_a_raw_update(record, table):
    ChainHead.objects.create(day=date(2026, 12, 1), chain="request:T", count=2, head_hash="a" * 64)
    DailyRoot.objects.create(day=date(2026, 12, 1), prev_root="0" * 64, root="b" * 64, chains=1, records=2, total=2,
                             published_at=timezone.now())
    column = {"audit_auditrecord": "chain", "audit_chainhead": "chain", "audit_dailyroot": "prev_root"}[table]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(f"UPDATE {table} SET {column} = {column}")


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_delete_too(record):
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger is PostgreSQL's (MySQL and SQLite flush test databases with DELETE)")
    with pytest.raises(DatabaseError, match="append-only: DELETE on audit_auditrecord refused"), transaction.atomic():
        raw("DELETE FROM audit_auditrecord WHERE id = %s", [record.pk])
    assert AuditRecord.objects.filter(pk=record.pk).exists()
