from django.core.management.base import BaseCommand

from diemcau.core.demo import DEMO_PASSWORD, load_demo
from diemcau.inventory.models import Site


class Command(BaseCommand):
    help = "Load the demo province (Cao Bằng) into the database named by DATABASE_URL."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if sites already exist.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, if_empty=False, seed=2026, **options):
        if Site.objects.exists():
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
