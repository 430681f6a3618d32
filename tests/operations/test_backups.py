"""Backups: the manifest, and the checks a restore drill runs on the restored copy (audit
chains, row counts, files against their Document records). The whole round trip through
pg_dump/pg_restore runs in CI: scripts/restore_drill.sh on PostgreSQL (scripts/test.sh)."""

import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from operations import backups
from operations.backups import (
    BackupError,
    backup_create,
    backup_verify,
    manifest_files_check,
    table_counts,
)


def stored_document(text: bytes = b"%PDF-1.4\n% contract\n"):
    from accounts.services import document_store
    from tests.factories import owner_user

    owner = owner_user()
    return document_store(upload=SimpleUploadedFile("合同.pdf", text, content_type="application/pdf"),
                          organisation=owner.organisation, user=owner)


def manifest_now() -> dict:
    return {"format": backups.FORMAT, "tables": table_counts()}


@pytest.mark.django_db
def test_a_faithful_copy_passes():
    from audit.services import record_append

    stored_document()
    record_append(chain="test:backup", kind="created", actor=None)
    check = backup_verify(manifest=manifest_now())
    assert check.ok, check.problems
    assert check.documents == 1 and check.tables >= 40 and check.rows > 0
    assert "verified" in check.audit or "全部完好" in check.audit


@pytest.mark.django_db
def test_a_changed_file_is_named(settings):
    doc = stored_document()
    manifest = manifest_now()
    path = Path(settings.MEDIA_ROOT) / doc.file.name
    path.write_bytes(path.read_bytes().replace(b"contract", b"kontract"))  # same size, other bytes
    check = backup_verify(manifest=manifest)
    assert check.problems == [f"document {doc.pk}: file {doc.file.name} differs from its record (SHA-256)"]


@pytest.mark.django_db
def test_a_missing_file_is_named(settings):
    doc = stored_document()
    manifest = manifest_now()
    (Path(settings.MEDIA_ROOT) / doc.file.name).unlink()
    assert backup_verify(manifest=manifest).problems == [f"document {doc.pk}: file {doc.file.name} is missing"]


@pytest.mark.django_db
def test_a_table_whose_rows_differ_from_the_source_is_named():
    manifest = manifest_now()
    manifest["tables"]["accounts_organisation"] += 1
    manifest["tables"]["gone_table"] = 3
    problems = backup_verify(manifest=manifest).problems
    assert any(p.startswith("table accounts_organisation:") for p in problems)
    assert "table gone_table: None rows, the source had 3" in problems


@pytest.mark.django_db
def test_a_broken_audit_chain_fails_the_drill():
    from audit.selectors import ChainCheck
    from audit.services import record_append

    record_append(chain="test:broken", kind="created", actor=None)
    broken = ChainCheck(False, 1, 1, "record content does not match its hash")
    with mock.patch("django.core.management.get_commands", return_value={}), \
            mock.patch("audit.selectors.chain_verify", return_value=broken):
        check = backup_verify(manifest=manifest_now())
    assert check.problems == ["chain test:broken broken at seq 1: record content does not match its hash"]


@pytest.mark.django_db(transaction=True)
def test_a_backup_directory_holds_its_dump_files_and_a_manifest_whose_sums_hold(tmp_path, settings):
    stored_document()
    out = backup_create(dest=tmp_path)
    manifest = backups.manifest_read(out / "manifest.json")
    manifest_files_check(out, manifest)
    assert manifest["media"]["files"] == 1 and manifest["tables"]["market_document"] == 1
    assert manifest["tables"] == table_counts()
    sums = dict(reversed(line.split("  ")) for line in (out / "SHA256SUMS").read_text().splitlines())
    assert sums == {manifest["database"]["file"]: manifest["database"]["sha256"],
                    "media.tar.gz": manifest["media"]["sha256"]}
    (out / "media.tar.gz").write_bytes(b"not the tarball")
    with pytest.raises(BackupError, match="SHA-256 differs"):
        manifest_files_check(out, manifest)


@pytest.mark.django_db
def test_the_verify_command_exits_1_listing_the_problems(tmp_path, settings):
    doc = stored_document()
    manifest = {**manifest_now(), "format": backups.FORMAT}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    call_command("backup_verify", manifest=str(tmp_path / "manifest.json"))
    (Path(settings.MEDIA_ROOT) / doc.file.name).unlink()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("backup_verify", manifest=str(tmp_path / "manifest.json"))


def test_a_manifest_of_another_format_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(BackupError):
        backups.manifest_read(tmp_path / "manifest.json")
