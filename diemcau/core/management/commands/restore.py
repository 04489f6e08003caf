"""``diemcau restore ARCHIVE``: into a new, empty database and an empty media directory only."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from diemcau.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by 'diemcau backup' into an empty database (see docs/deploy.md)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--config-to", type=Path,
                            help="also extract the configuration files saved in the archive into this directory")

    def handle(self, *args, archive: Path, config_to=None, **options):
        database = settings.DATABASES["default"]
        try:
            report = restore_backup(archive, database=database, media_root=Path(settings.MEDIA_ROOT),
                                    config_to=config_to, work_dir=settings.DATA_DIR)
        except (BackupError, OSError) as error:
            raise CommandError(f"Khôi phục thất bại / restore failed: {error}")
        manifest = report["manifest"]
        if not report["checksum_file"]:
            self.stderr.write(f"warning: no {archive.name}.sha256 beside the archive; "
                              "the manifest's checksums were verified")
        self.stdout.write(f"restored {archive.name} (made {manifest['created_at']} on {manifest['host']}, "
                          f"version {manifest['version']}) into {database['NAME']} and {settings.MEDIA_ROOT}")
        if report["config"]:
            where = f"extracted under {config_to}" if config_to else "in the archive (use --config-to DIR)"
            self.stdout.write(f"configuration files {where}: {', '.join(report['config'])}")
        if report["upgrades"]:
            self.stdout.write(f"this version adds {len(report['upgrades'])} migrations: run 'diemcau migrate'")
