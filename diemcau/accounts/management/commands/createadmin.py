"""``diemcau createadmin``: the first administrator of a new server.

Creates the Department of Science and Technology when the database has no
organisation of that kind yet, and a ``dost_admin`` account in it. The
password must pass the same rules as every other password (a weak one is
refused, never accepted with a warning). Without a terminal, or with
``--no-input``, the password comes from ``DIEMCAU_ADMIN_PASSWORD``.
"""

import getpass
import os
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.audit.choices import AuditAction, AuditVia
from diemcau.audit.services import record
from diemcau.inventory.models import Organization, Term
from diemcau.inventory.reference import province_organizations

PASSWORD_VARIABLE = "DIEMCAU_ADMIN_PASSWORD"
DOST_KIND = "dost"


def dost_organization() -> tuple[Organization, bool]:
    """The DOST organisation, created from the province file when there is none."""
    existing = Organization.objects.filter(kind__code=DOST_KIND).order_by("pk").first()
    if existing is not None:
        return existing, False
    shipped = next((o for o in province_organizations() if o["kind"] == DOST_KIND),
                   {"code": "SKHCN", "name": "Sở Khoa học và Công nghệ"})
    kind = Term.objects.get(taxonomy="organization_kind", code=DOST_KIND)
    return Organization.objects.create(code=shipped["code"], name=shipped["name"], kind=kind), True


class Command(BaseCommand):
    help = "Create the first DOST administrator (and the DOST organisation when there is none)."

    def add_arguments(self, parser):
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--full-name", dest="full_name", help="e.g. 'Nguyễn Văn An'")
        parser.add_argument("--no-input", "--noinput", dest="interactive", action="store_false",
                            help=f"ask nothing; the password is read from {PASSWORD_VARIABLE}")

    def handle(self, *args, username=None, email=None, full_name=None, interactive=True, **options):
        interactive = interactive and sys.stdin.isatty()
        if interactive:
            username = username or self._ask(_("Username: "))
            email = email if email is not None else input(_("E-mail (may be empty): ")).strip()
            full_name = full_name if full_name is not None else input(_("Full name: ")).strip()
        if not username:
            raise CommandError(_("Give the administrator's username (--username)."))
        if User.objects.filter(username=username).exists():
            raise CommandError(_("The account %(username)s already exists; nothing was changed.")
                               % {"username": username})
        # Shown as "first last", so a Vietnamese name keeps its order: "Nguyễn Văn" + "An".
        first, _space, last = (full_name or "").strip().rpartition(" ")
        user = User(username=username, email=email or "", first_name=first, last_name=last,
                    role=Role.DOST_ADMIN)
        password = self._password(user, interactive)
        with transaction.atomic():
            organization, created = dost_organization()
            user.organization = organization
            user.set_password(password)
            user.full_clean()
            user.save()
            self._audit(user)
        if created:
            self.stdout.write(_("Created the organisation %(name)s (%(code)s).")
                              % {"name": organization.name, "code": organization.code})
        self.stdout.write(self.style.SUCCESS(
            _("Created the administrator %(username)s (%(role)s, %(organization)s).")
            % {"username": user.username, "role": user.get_role_display(), "organization": organization.name}))

    def _ask(self, prompt: str) -> str:
        value = ""
        while not value:
            value = input(prompt).strip()
        return value

    def _password(self, user: User, interactive: bool) -> str:
        if not interactive:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(_("Set the password in the %(variable)s environment variable.")
                                   % {"variable": PASSWORD_VARIABLE})
            self._validate(password, user)
            return password
        while True:
            password = getpass.getpass(_("Password: "))
            if password != getpass.getpass(_("Password (again): ")):
                self.stderr.write(_("The two passwords differ. Try again."))
                continue
            try:
                self._validate(password, user)
            except CommandError as error:
                self.stderr.write(str(error))
                continue
            return password

    def _validate(self, password: str, user: User) -> None:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(_("Password refused: %(reasons)s") % {"reasons": " ".join(error.messages)})

    def _audit(self, user: User) -> None:
        record(AuditAction.USER_CREATED, actor_name=getpass.getuser(), target=user,
               details={"role": user.role, "command": "createadmin"}, via=AuditVia.CLI)
