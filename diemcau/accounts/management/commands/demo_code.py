from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from diemcau.accounts import mfa
from diemcau.accounts.models import User


class Command(BaseCommand):
    help = "Print the current two-step code of a DEMO account (the demo province's known key only)."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="quantri")

    def handle(self, *args, username="quantri", **options):
        user = User.objects.filter(username=username, email__endswith=mfa.DEMO_EMAIL_DOMAIN).first()
        device = mfa.totp_device(user) if user else None
        if device is None or device.key != mfa.DEMO_KEY_HEX:
            raise CommandError(f"{username} is not a demo account with the demo key.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}  (valid {device.step - int(totp.time - device.t0) % device.step} s)")
