from django.core.management.base import BaseCommand

from diemcau.core import icons


class Command(BaseCommand):
    help = "Rebuild the icon subset (static/diemcau/icons/) from the bi-… classes the code uses."

    def handle(self, *args, **options):
        names = icons.build()
        size = (icons.TARGET / "icons.woff2").stat().st_size
        self.stdout.write(f"{len(names)} icons, icons.woff2 {size} bytes: {', '.join(names)}")
