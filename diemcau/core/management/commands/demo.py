from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from diemcau.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo province (Cao Bằng) into the database named by DATABASE_URL."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if sites already exist.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--i-know", dest="i_know", action="store_true",
                            help="load it even with DEBUG off (a training server, never a real one)")

    def handle(self, *args, if_empty=False, seed=2026, i_know=False, **options):
        if not settings.DEBUG and not i_know:
            # The demo creates ten accounts whose password is printed in the README.
            self.stderr.write(_(
                "Refused: DEBUG is off, so this looks like a real server. The demo creates ten accounts "
                "with the published password %(password)s and invented sites. On a real server use "
                "'diemcau loadprovince' and 'diemcau createadmin'. For a training server, add --i-know."
            ) % {"password": DEMO_PASSWORD})
            raise SystemExit(2)
        if apps.get_model("inventory", "Site").objects.exists():
            if if_empty:
                self.stdout.write("The database already has sites; the demo is not loaded again.")
                return
            self.stderr.write("The database already has sites. Load the demo into an empty database.")
            raise SystemExit(1)
        self.stdout.write("Loading the demo province …")
        ctx = load_demo(seed=seed, log=lambda line: self.stdout.write(line))
        self.stdout.write(self.style.SUCCESS("Demo province loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, user in ctx.users.items():
            self.stdout.write(f"  {user.username:<14} {role:<11} {user.organization.name}")
        self.stdout.write("Roles that require two-step verification ask for a code: diemcau demo_code USERNAME prints it.")
