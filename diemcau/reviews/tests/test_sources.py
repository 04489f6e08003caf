"""Reads of the other apps' data: a missing table means "no data" and never poisons the caller's transaction."""

from django.db import connection, transaction

from diemcau.inventory.models import Site
from diemcau.reviews import sources
from diemcau.standards.models import SiteVerdict


def test_a_source_whose_table_is_missing_gives_no_data_and_the_transaction_goes_on(province):
    """On PostgreSQL a failed statement aborts the whole transaction unless it ran in a savepoint."""
    table = connection.ops.quote_name(SiteVerdict._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} RENAME TO reviews_probe_missing")
        assert sources.verdicts([province.site_a.pk]) == {}
        assert Site.objects.filter(pk=province.site_a.pk).exists()  # the caller's next query still works
        transaction.set_rollback(True)
    assert sources.verdicts([province.site_a.pk]) == {}  # the table is back, the site has no verdict yet
