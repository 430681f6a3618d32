"""`manage.py backup_restore DIR --database-url URL --media-root DIR`: restore a backup into
a new database and an empty media directory (operations.backups). `--drop --database-url URL`
drops a drill's database instead. scripts/restore_drill.sh calls it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, backup_drop, backup_restore


class Command(BaseCommand):
    help = "Restore a backup directory into a new database and media directory (or --drop a drill database)."

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?")
        parser.add_argument("--database-url", required=True, help="the database to create (must not exist)")
        parser.add_argument("--media-root", help="the directory to fill (absent or empty)")
        parser.add_argument("--drop", action="store_true", help="drop the database of --database-url and stop")

    def handle(self, *args, directory=None, database_url: str, media_root=None, drop=False, **options):
        try:
            if drop:
                backup_drop(database_url=database_url)
                return
            if not directory or not media_root:
                raise CommandError("DIR and --media-root are required to restore")
            backup_restore(directory=Path(directory), database_url=database_url, media_root=Path(media_root))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
