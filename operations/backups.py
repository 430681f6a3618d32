"""Backups of the database and the uploaded files, and the checks of a restored copy.

`backup_create` writes one directory: the database dump (PostgreSQL: `pg_dump` custom
format; MySQL/MariaDB: `mysqldump --single-transaction`, gzipped; SQLite: a copy through
SQLite's backup API), a gzipped tarball of MEDIA_ROOT, `SHA256SUMS` (for `sha256sum -c`)
and `manifest.json`: the files with their SHA-256 and size, and the row count of every
table. The database is dumped first and the files after, so every Document in the dump has
its file in the tarball (a file is written before its row commits).

Row counts: on PostgreSQL they are counted inside the snapshot that pg_dump then dumps
(`pg_export_snapshot` + `pg_dump --snapshot`), so they are exact on a live database. On
MySQL they are counted in a consistent snapshot taken just before mysqldump takes its own:
exact only when nothing writes in between (take the backup from a replica, or in a quiet
minute). On SQLite they are counted on the copy.

`backup_restore` puts a backup into a new, empty database and a new media directory.
`backup_verify`, run against the restored copy, checks it: the audit chains
(`manage.py audit_verify` when the project has it, else `audit.selectors.chain_verify` over
every chain), every table's row count against the manifest, and every Document's file:
present, of its recorded size and SHA-256.
"""

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

FORMAT = "yczjcs-backup/1"
MANIFEST = "manifest.json"
MEDIA_FILE = "media.tar.gz"
DUMP_FILES = {"postgresql": "database.dump", "mysql": "database.sql.gz", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table_counts() -> dict[str, int]:
    """Rows of every table of the default database (the caller picks the snapshot)."""
    counts = {}
    with connection.cursor() as cur:
        for table in sorted(connection.introspection.table_names(cur)):
            cur.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
            counts[table] = cur.fetchone()[0]
    return counts


def _run(args: list[str], *, env: dict | None = None, stdout=None) -> None:
    result = subprocess.run(args, env={**os.environ, **(env or {})}, stdout=stdout if stdout else subprocess.PIPE,
                            stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed ({result.returncode}): {result.stderr.decode(errors='replace')[-2000:]}")


def _pg_args(d: dict) -> tuple[list[str], dict]:
    args = ["-h", d.get("HOST") or "127.0.0.1", "-p", str(d.get("PORT") or 5432), "-U", d.get("USER") or "postgres"]
    return args, ({"PGPASSWORD": d["PASSWORD"]} if d.get("PASSWORD") else {})


def _my_args(d: dict) -> tuple[list[str], dict]:
    args = ["-h", d.get("HOST") or "127.0.0.1", "-P", str(d.get("PORT") or 3306), "-u", d.get("USER") or "root"]
    return args, ({"MYSQL_PWD": d["PASSWORD"]} if d.get("PASSWORD") else {})


def _dump_database(dest: Path) -> tuple[str, dict[str, int]]:
    """Dump the default database into `dest`; returns (file name, row counts)."""
    vendor, d = connection.vendor, connection.settings_dict
    target = dest / DUMP_FILES[vendor]
    if vendor == "postgresql":
        args, env = _pg_args(d)
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cur.execute("SELECT pg_export_snapshot()")
                snapshot = cur.fetchone()[0]
            counts = table_counts()
            # The snapshot lives as long as this transaction: pg_dump reads exactly it.
            _run(["pg_dump", *args, "-Fc", f"--snapshot={snapshot}", "-f", str(target), d["NAME"]], env=env)
    elif vendor == "mysql":
        args, env = _my_args(d)
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            counts = table_counts()
        with gzip.open(target, "wb") as out:
            proc = subprocess.Popen(["mysqldump", *args, "--single-transaction", "--routines", "--triggers",
                                     "--hex-blob", "--default-character-set=utf8mb4", d["NAME"]],
                                    env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            shutil.copyfileobj(proc.stdout, out)
            err = proc.stderr.read()
            if proc.wait() != 0:
                raise BackupError(f"mysqldump failed: {err.decode(errors='replace')[-2000:]}")
    elif vendor == "sqlite":
        source = sqlite3.connect(d["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            counts = {name: copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                      for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                                  "AND name NOT LIKE 'sqlite_%' ORDER BY name")}
        finally:
            copy.close()
            source.close()
    else:
        raise BackupError(f"no backup for the {vendor} engine")
    return target.name, counts


def backup_create(*, dest: Path, now: datetime | None = None) -> Path:
    """Write a new backup directory under `dest` and return it. Fails (BackupError) rather
    than leave a partial backup: the directory is removed if any step fails."""
    if connection.in_atomic_block:
        raise BackupError("back up outside a transaction: the dump runs in a snapshot of its own")
    now = now or datetime.now(dt_timezone.utc)
    out = Path(dest) / f"yczjcs-{now:%Y%m%dT%H%M%SZ}"
    out.mkdir(parents=True, exist_ok=False)
    try:
        dump_name, counts = _dump_database(out)
        media_root = Path(settings.MEDIA_ROOT)
        files = 0
        with tarfile.open(out / MEDIA_FILE, "w:gz") as tar:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                        files += 1
        entries = {}
        for name in (dump_name, MEDIA_FILE):
            entries[name] = {"sha256": sha256_file(out / name), "bytes": (out / name).stat().st_size}
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "engine": connection.vendor,
            "database": {"file": dump_name, **entries[dump_name]},
            "media": {"file": MEDIA_FILE, "files": files, **entries[MEDIA_FILE]},
            "tables": counts,
        }
        (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (out / "SHA256SUMS").write_text("".join(f"{e['sha256']}  {n}\n" for n, e in entries.items()))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return out


def manifest_read(path: Path) -> dict:
    manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a {FORMAT} manifest")
    return manifest


def manifest_files_check(directory: Path, manifest: dict) -> None:
    """The dump and the tarball are there, with the manifest's SHA-256."""
    for entry in (manifest["database"], manifest["media"]):
        path = Path(directory) / entry["file"]
        if not path.is_file():
            raise BackupError(f"{path} is missing")
        if sha256_file(path) != entry["sha256"]:
            raise BackupError(f"{path}: SHA-256 differs from the manifest")


# ---------------------------------------------------------------------------------------
# Restore


def _parse_url(url: str) -> dict:
    import dj_database_url

    return dj_database_url.parse(url)


def backup_restore(*, directory: Path, database_url: str, media_root: Path) -> None:
    """Restore the backup in `directory` into the database of `database_url` (created here:
    it must not exist yet; same engine as the backup) and into `media_root` (must be
    absent or empty)."""
    directory = Path(directory)
    manifest = manifest_read(directory / MANIFEST)
    manifest_files_check(directory, manifest)
    d = _parse_url(database_url)
    vendor = {"postgresql": "postgresql", "mysql": "mysql", "sqlite3": "sqlite"}.get(d["ENGINE"].rsplit(".", 1)[-1])
    if vendor != manifest["engine"]:
        raise BackupError(f"the backup is of {manifest['engine']}, the target is {vendor}")
    media_root = Path(media_root)
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty")
    dump = directory / manifest["database"]["file"]
    if vendor == "postgresql":
        args, env = _pg_args(d)
        _run(["psql", *args, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c",
              f'CREATE DATABASE "{d["NAME"]}"'], env=env)
        _run(["pg_restore", *args, "--no-owner", "--no-acl", "--exit-on-error", "-d", d["NAME"], str(dump)], env=env)
    elif vendor == "mysql":
        args, env = _my_args(d)
        _run(["mysql", *args, "-e", f"CREATE DATABASE `{d['NAME']}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"],
             env=env)
        with gzip.open(dump, "rb") as sql:
            result = subprocess.run(["mysql", *args, d["NAME"]], stdin=sql, env={**os.environ, **env},
                                    capture_output=True)
        if result.returncode != 0:
            raise BackupError(f"mysql restore failed: {result.stderr.decode(errors='replace')[-2000:]}")
    else:
        target = Path(d["NAME"])
        if target.exists():
            raise BackupError(f"{target} exists")
        shutil.copyfile(dump, target)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(directory / MEDIA_FILE, "r:gz") as tar:
        tar.extractall(media_root, filter="data")


def backup_drop(*, database_url: str) -> None:
    """Drop a drill's database (PostgreSQL, MySQL) or file (SQLite)."""
    d = _parse_url(database_url)
    engine = d["ENGINE"]
    if engine.endswith("postgresql"):
        args, env = _pg_args(d)
        _run(["psql", *args, "-d", "postgres", "-q", "-c", f'DROP DATABASE IF EXISTS "{d["NAME"]}" WITH (FORCE)'],
             env=env)
    elif engine.endswith("mysql"):
        args, env = _my_args(d)
        _run(["mysql", *args, "-e", f"DROP DATABASE IF EXISTS `{d['NAME']}`"], env=env)
    else:
        Path(d["NAME"]).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------
# Verify (against the restored copy: DATABASE_URL and MEDIA_ROOT point at it)


@dataclass
class BackupCheck:
    audit: str = ""
    tables: int = 0
    rows: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _document_model():
    """The uploaded-file record (it has moved between apps; its table has not)."""
    from django.apps import apps

    for label in ("core", "accounts", "market"):
        try:
            return apps.get_model(label, "Document")
        except LookupError:
            continue
    raise BackupError("no Document model")


def _audit_check() -> tuple[bool, str]:
    from io import StringIO

    from django.core.management import call_command, get_commands
    from django.core.management.base import CommandError

    if "audit_verify" in get_commands():
        out, err = StringIO(), StringIO()
        try:
            call_command("audit_verify", stdout=out, stderr=err)
        except (CommandError, SystemExit) as exc:
            return False, f"audit_verify: {err.getvalue().strip()} {exc}".strip()
        return True, out.getvalue().strip()
    from audit.models import AuditRecord
    from audit.selectors import chain_verify

    chains = records = 0
    for chain in AuditRecord.objects.order_by().values_list("chain", flat=True).distinct().iterator():
        check = chain_verify(chain=chain)
        chains += 1
        records += check.length
        if not check.ok:
            return False, f"chain {chain} broken at seq {check.broken_at}: {check.detail}"
    return True, f"{records} audit records in {chains} chains verified (chain_verify)"


def backup_verify(*, manifest: dict, media_root: Path | None = None) -> BackupCheck:
    """Check the current database and `media_root` (default MEDIA_ROOT), a restored copy,
    against `manifest`."""
    check = BackupCheck()
    ok, check.audit = _audit_check()
    if not ok:
        check.problems.append(check.audit)
    counts = table_counts()
    expected = manifest["tables"]
    for table in sorted(set(expected) | set(counts)):
        if expected.get(table) != counts.get(table):
            check.problems.append(f"table {table}: {counts.get(table)} rows, the source had {expected.get(table)}")
    check.tables, check.rows = len(counts), sum(counts.values())
    media_root = Path(media_root or settings.MEDIA_ROOT)
    for doc in _document_model().objects.order_by("pk").only("pk", "file", "size", "sha256").iterator():
        check.documents += 1
        path = media_root / doc.file.name
        if not path.is_file():
            check.problems.append(f"document {doc.pk}: file {doc.file.name} is missing")
            continue
        if path.stat().st_size != doc.size or sha256_file(path) != doc.sha256:
            check.problems.append(f"document {doc.pk}: file {doc.file.name} differs from its record (SHA-256)")
    return check
