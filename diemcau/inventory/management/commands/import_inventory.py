"""``manage.py import_inventory FILE``: import an inventory workbook from the command line."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from diemcau.audit.choices import AuditVia
from diemcau.inventory.importer import SHEETS, can_import, import_inventory
from diemcau.inventory.models import Organization


class Command(BaseCommand):
    help = "Import sites, devices, links and contacts from the Excel template (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file (the template downloaded from the import page)")
        parser.add_argument("--organization", metavar="CODE", help="refuse rows of any other organisation")
        parser.add_argument("--user", metavar="USERNAME",
                            help="import as this user, with their access rights (default: the whole province)")
        parser.add_argument("--dry-run", action="store_true", help="check and show what would change; save nothing")

    def handle(self, *args, file, organization=None, user=None, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": file})
        importer_user = None
        if user:
            importer_user = get_user_model().objects.filter(username=user, is_active=True).first()
            if importer_user is None:
                raise CommandError(_("Unknown or inactive user: %(user)s") % {"user": user})
            if not can_import(importer_user):
                raise CommandError(_("User %(user)s may not import an inventory.") % {"user": user})
        org = None
        if organization:
            org = Organization.objects.filter(code__iexact=organization).first()
            if org is None:
                raise CommandError(_("Unknown organisation code: %(code)s") % {"code": organization})
        result = import_inventory(path.read_bytes(), user=importer_user, organization=org, dry_run=dry_run,
                                  progress=self._progress, filename=path.name, via=AuditVia.CLI)
        self._end_progress()
        for error in result.all_errors:
            self.stdout.write(str(error))
        for title in [s.title for s in SHEETS]:
            counts = result.counts.get(title)
            if counts and result.ok:
                self.stdout.write(_("%(sheet)s: %(created)s new, %(updated)s changed, %(unchanged)s unchanged") % {
                    "sheet": title, "created": counts["created"], "updated": counts["updated"],
                    "unchanged": counts["unchanged"]})
        if not result.ok:
            raise CommandError(_("%(count)s error(s): nothing was saved.") % {"count": len(result.all_errors)})
        if dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: the file is correct; nothing was saved.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Saved.")))

    def _progress(self, done, total):
        if not sys.stderr.isatty():
            return
        if total:
            line = _("Importing: %(done)s/%(total)s rows (%(percent)s%%)") % {
                "done": done, "total": total, "percent": 100 * done // total}
        else:
            line = _("Reading: %(done)s rows") % {"done": done}
        self.stderr.write("\r" + line, ending="")
        self._shown = True

    def _end_progress(self):
        if getattr(self, "_shown", False):
            self.stderr.write("")
