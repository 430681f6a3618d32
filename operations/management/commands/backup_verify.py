"""`manage.py backup_verify --manifest FILE --media-root DIR`, run with DATABASE_URL of a
restored copy and its media directory: audit chains, row counts per table, every Document's file SHA-256
(operations.backups.backup_verify). Exits 1 listing every problem."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, backup_verify, manifest_read


class Command(BaseCommand):
    help = "Check a restored database and media directory against a backup's manifest."

    def add_arguments(self, parser):
        parser.add_argument("--manifest", required=True)
        parser.add_argument("--media-root", help="the restored media directory (default: MEDIA_ROOT)")

    def handle(self, *args, manifest: str, media_root: str | None = None, **options):
        try:
            check = backup_verify(manifest=manifest_read(Path(manifest)),
                                  media_root=Path(media_root) if media_root else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"audit: {check.audit}")
        self.stdout.write(f"tables: {check.tables} tables, {check.rows} rows compared with the source")
        self.stdout.write(f"files: {check.documents} documents' files checked (SHA-256)")
        if not check.ok:
            for problem in check.problems:
                self.stderr.write(f"PROBLEM: {problem}")
            raise CommandError(f"{len(check.problems)} problem(s): the restored copy does not match", returncode=1)
        self.stdout.write("restore drill: the copy matches its source")
