"""Raw samples and check results partitioned by day on PostgreSQL; plain tables on SQLite."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from diemcau.core import partitions
from diemcau.monitoring import ingest, rollups
from diemcau.monitoring.models import CheckResult, DeviceCheck, Sample
from diemcau.testing import make_device

NOW = timezone.now().replace(microsecond=0)
BEFORE = ("monitoring", "0006_sample_identity_with_time")
AFTER = ("monitoring", "0007_partition_by_day")


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's; SQLite keeps plain tables")


def sample(site, at, *, received=None, loss=0.0):
    return Sample(result_id=uuid.uuid4(), site=site, kind="probe", measured_at=at, received_at=received or at,
                  loss_pct=loss, rtt_ms=20.0, jitter_ms=2.0, mos=4.2, ok=True, data={"loss_pct": loss})


def rows_of(model):
    return sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]))


def where_rows_are(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1 ORDER BY 1")
        return dict(cursor.fetchall())


def checks_done():
    """Django's foreign keys are checked at commit; a table with pending checks cannot be dropped
    inside the test's transaction (the retention job runs in a transaction of its own)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target] if target else executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_it_converts_a_filled_database_to_days_without_losing_a_row_and_back(province):
    needs_postgresql()
    site = province.site_a
    check = DeviceCheck.objects.create(device=make_device(site), method="tcp", host="10.0.0.9", port=443)
    try:
        migrate_to(BEFORE)
        assert not partitions.is_partitioned("monitoring_sample")
        Sample.objects.bulk_create([sample(site, NOW - dt.timedelta(hours=7 * i)) for i in range(40)])
        CheckResult.objects.bulk_create([CheckResult(device_check=check, at=NOW - dt.timedelta(hours=9 * i),
                                                     status="down", detail={"n": i}) for i in range(20)])
        samples, results = rows_of(Sample), rows_of(CheckResult)

        migrate_to(AFTER)
        assert partitions.is_partitioned("monitoring_sample") and partitions.is_partitioned("monitoring_checkresult")
        assert rows_of(Sample) == samples and rows_of(CheckResult) == results
        # The old table is the first partition, in place; the next days have their own.
        holders = where_rows_are("monitoring_sample")
        assert list(holders) == [name for name in holders if name.startswith("monitoring_sample_p_before_")]
        with connection.cursor() as cursor:
            names = [p.name for p in partitions.partitions_of("monitoring_sample", cursor)]
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        assert f"monitoring_sample_p{tomorrow:%Y%m%d}" in names and "monitoring_sample_default" in names

        # New rows: ids go on from the old table's, and a result sent twice is still stored once.
        item = {"id": str(uuid.uuid4()), "kind": "probe", "measured_at": (NOW + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z"),
                "fields": {"loss_pct": 1.0, "rtt_median_ms": 20.0}}
        row = ingest.validate(item, uuid.UUID(item["id"]), NOW + dt.timedelta(days=1), site.pk)
        ingest.insert_ignoring_duplicates([row])
        ingest.insert_ignoring_duplicates([row])
        assert Sample.objects.filter(result_id=item["id"]).count() == 1
        newest = Sample.objects.get(result_id=item["id"])
        assert newest.pk > max(r[0] for r in samples)
        assert where_rows_are("monitoring_sample")[f"monitoring_sample_p{tomorrow:%Y%m%d}"] == 1
        samples = rows_of(Sample)

        migrate_to(BEFORE)
        assert not partitions.is_partitioned("monitoring_sample")
        assert not partitions.is_partitioned("monitoring_checkresult")
        assert rows_of(Sample) == samples and rows_of(CheckResult) == results
        later = Sample.objects.create(result_id=uuid.uuid4(), site=site, kind="probe", measured_at=NOW, data={})
        assert later.pk > newest.pk
    finally:
        migrate_to(None)


@pytest.mark.django_db(transaction=True)
def test_an_empty_table_is_replaced_by_days_and_a_default_partition():
    needs_postgresql()
    try:
        migrate_to(BEFORE)
        migrate_to(AFTER)
        with connection.cursor() as cursor:
            found = partitions.partitions_of("monitoring_sample", cursor)
        assert not any(p.name.startswith("monitoring_sample_p_before_") for p in found)
        today = timezone.localdate()
        days = [p.name for p in found if not p.is_default]
        assert days[0] == f"monitoring_sample_p{today:%Y%m%d}" and len(days) == 1 + partitions.AHEAD_DAYS
    finally:
        migrate_to(None)


def test_sqlite_keeps_plain_tables(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's case")
    assert not partitions.is_partitioned("monitoring_sample")
    assert partitions.ensure(rollups.SAMPLES) == []


def test_a_row_of_a_day_without_partition_waits_in_the_default_and_moves_into_its_day(province):
    needs_postgresql()
    site = province.site_a
    far = NOW + dt.timedelta(days=partitions.AHEAD_DAYS + 3)
    Sample.objects.bulk_create([sample(site, far)])
    assert where_rows_are("monitoring_sample") == {"monitoring_sample_default": 1}
    created = partitions.ensure(rollups.SAMPLES, now=far)
    day = far.astimezone(partitions.local_zone()).date()
    assert f"monitoring_sample_p{day:%Y%m%d}" in created
    assert where_rows_are("monitoring_sample") == {f"monitoring_sample_p{day:%Y%m%d}": 1}
    assert partitions.ensure(rollups.SAMPLES, now=far) == []  # nothing twice


def test_retention_drops_whole_expired_days_and_deletes_late_rows_from_the_default(province, settings):
    needs_postgresql()
    settings.MONITORING_RAW_DAYS = 7
    site = province.site_a
    later = NOW + dt.timedelta(days=9)  # nine days on: today's partition has expired
    today = timezone.localdate()
    Sample.objects.bulk_create([
        sample(site, NOW, received=NOW),
        sample(site, NOW - dt.timedelta(days=20), received=NOW),          # late, older than any day: default
        sample(site, later, received=later),
    ])
    checks_done()
    removed = rollups.prune(later)
    assert f"monitoring_sample_p{today:%Y%m%d}" in removed["raw_days"] and removed["raw"] == 1
    assert list(Sample.objects.values_list("measured_at", flat=True)) == [later]
    assert f"monitoring_checkresult_p{today:%Y%m%d}" in removed["checks_days"]
    with connection.cursor() as cursor:
        names = {p.name for p in partitions.partitions_of("monitoring_sample", cursor)}
    last = later.astimezone(partitions.local_zone()).date() + dt.timedelta(days=partitions.AHEAD_DAYS)
    assert f"monitoring_sample_p{last:%Y%m%d}" in names  # days ahead created on the way


def test_a_day_holding_a_row_that_just_arrived_is_kept_for_its_roll_up(province, settings):
    needs_postgresql()
    settings.MONITORING_RAW_DAYS = 7
    site = province.site_a
    later = NOW + dt.timedelta(days=9)
    Sample.objects.bulk_create([sample(site, NOW, received=later - dt.timedelta(minutes=1))])
    checks_done()
    today = f"monitoring_sample_p{timezone.localdate():%Y%m%d}"
    removed = rollups.prune(later)
    assert today not in removed["raw_days"] and Sample.objects.count() == 1
    removed = rollups.prune(later + partitions.SETTLE)
    assert today in removed["raw_days"] and Sample.objects.count() == 0


def test_health_of_the_partitions_says_whether_tomorrow_is_ready(db):
    needs_postgresql()
    assert partitions.status(rollups.SAMPLES)["tomorrow_ready"]
    assert not partitions.status(rollups.SAMPLES, now=NOW + dt.timedelta(days=30))["tomorrow_ready"]
