"""``diemcau backup``: one verified archive of the database, the uploads and the configuration."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from diemcau.core.backup import BackupError, copy_off_server, create_backup


class Command(BaseCommand):
    help = "Back up the database, uploaded files and configuration into one archive (see docs/deploy.md)."

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help=f"directory (default BACKUP_DIR, {settings.BACKUP_DIR})")
        parser.add_argument("--keep-days", type=int, help="remove archives older than this (default BACKUP_KEEP_DAYS)")
        parser.add_argument("--include", type=Path, action="append",
                            help="a file or directory to add, e.g. /etc/diemcau (default BACKUP_INCLUDE)")
        parser.add_argument("--no-copy", action="store_true", help="skip BACKUP_COPY_COMMAND")

    def handle(self, *args, to=None, keep_days=None, include=None, no_copy=False, **options):
        directory = to or settings.BACKUP_DIR
        keep = settings.BACKUP_KEEP_DAYS if keep_days is None else keep_days
        extra = include if include is not None else [Path(p) for p in settings.BACKUP_INCLUDE]
        try:
            result = create_backup(directory=directory, include=extra, keep_days=keep)
        except (BackupError, OSError) as error:
            raise CommandError(f"Sao lưu thất bại / backup failed: {error}")
        self.stdout.write(f"{result.archive} ({result.size / 1e6:.1f} MB, {result.files} files)")
        for path in result.pruned:
            self.stdout.write(f"removed (older than {keep} days): {path.name}")
        if settings.BACKUP_COPY_COMMAND and not no_copy:
            try:
                copy_off_server(settings.BACKUP_COPY_COMMAND, result)
            except (BackupError, OSError) as error:
                raise CommandError(f"the archive is kept in {directory}, but the off-server copy failed: {error}")
            self.stdout.write(f"copied off the server by {settings.BACKUP_COPY_COMMAND}")
