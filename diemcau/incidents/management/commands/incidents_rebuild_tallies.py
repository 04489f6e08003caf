from django.core.management.base import BaseCommand

from diemcau.incidents.tallies import incident_tally_rebuild, sla_tally_rebuild


class Command(BaseCommand):
    help = "Recount the monthly SLA and top-list tallies of the incident report from the incidents and clocks."

    def handle(self, *args, **options):
        sla = sla_tally_rebuild()
        tops = incident_tally_rebuild()
        self.stdout.write(f"{sla} SLA tally rows, {tops} top-list rows.")
