"""`manage.py backup_create --dest DIR`: a backup of the database and MEDIA_ROOT with its
manifest (operations.backups); prints the directory it wrote. scripts/backup.sh calls it."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, backup_create, manifest_read


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a new directory under --dest."

    def add_arguments(self, parser):
        parser.add_argument("--dest", required=True, help="the directory that receives the backup directory")

    def handle(self, *args, dest: str, **options):
        started = time.perf_counter()
        try:
            out = backup_create(dest=Path(dest))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = manifest_read(out / "manifest.json")
        self.stderr.write(f"backup: {manifest['engine']}, {len(manifest['tables'])} tables, "
                          f"{sum(manifest['tables'].values())} rows, {manifest['media']['files']} files, "
                          f"{time.perf_counter() - started:.1f} s")
        self.stdout.write(str(out))
