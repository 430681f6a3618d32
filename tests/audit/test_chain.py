"""The append-only, hash-chained record."""

import pytest

from audit.models import AppendOnlyError, AuditRecord
from audit.selectors import chain_verify
from audit.services import record_append

pytestmark = pytest.mark.django_db


def _chain():
    for i in range(3):
        record_append(chain="request:T", kind="transition", from_state=str(i), to_state=str(i + 1), data={"i": i})


def test_genuine_chain_verifies():
    _chain()
    check = chain_verify(chain="request:T")
    assert check.ok and check.length == 3


def test_records_cannot_be_changed_or_deleted_through_the_orm():
    _chain()
    rec = AuditRecord.objects.get(chain="request:T", seq=2)
    rec.reason = "changed"
    with pytest.raises(AppendOnlyError):
        rec.save()
    with pytest.raises(AppendOnlyError):
        rec.delete()


def test_tampering_in_the_database_is_detected():
    _chain()
    AuditRecord.objects.filter(chain="request:T", seq=2).update(reason="edited behind the platform's back")
    check = chain_verify(chain="request:T")
    assert not check.ok and check.broken_at == 2


def test_a_removed_record_is_detected():
    _chain()
    AuditRecord.objects.filter(chain="request:T", seq=2)._raw_delete(AuditRecord.objects.db)
    check = chain_verify(chain="request:T")
    assert not check.ok and check.broken_at == 3
