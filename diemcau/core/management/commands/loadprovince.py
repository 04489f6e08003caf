"""``diemcau loadprovince``: the province's real reference data, without any demo data.

Loads (or updates, by code) the organisations of ``diemcau/data/<province>.yaml``
— the leadership offices, departments, operators, wards and communes — and
publishes the shipped minimum standard when none exists yet. No site, device,
link or account is created: units enter their own sites, or import them.
"""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from diemcau.inventory.models import Organization, Term
from diemcau.inventory.reference import DATA_DIR, load_organizations
from diemcau.standards.services import load_default_standard

DEFAULT_FILE = DATA_DIR / "cao_bang.yaml"


class Command(BaseCommand):
    help = "Load the province's organisations and default standard (no demo sites or users)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE,
                            help="province file in the layout of diemcau/data/cao_bang.yaml")

    def handle(self, *args, file: Path, **options):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error})
        before = Organization.objects.count()
        try:
            with transaction.atomic():
                count = load_organizations(Organization, Term, data)
                standard = load_default_standard()
        except KeyError as error:
            raise CommandError(_("Unknown organisation kind %(kind)s in %(file)s.") % {"kind": error, "file": file})
        added = Organization.objects.count() - before
        self.stdout.write(self.style.SUCCESS(
            _("%(count)s organisations of %(province)s loaded (%(added)s new); minimum standard: %(standard)s.")
            % {"count": count, "added": added, "province": data["province"]["name"], "standard": standard}))
