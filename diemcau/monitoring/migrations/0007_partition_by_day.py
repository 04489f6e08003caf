"""On PostgreSQL: raw samples and check results partitioned by local day (diemcau.core.partitions).

The existing table becomes the first partition in place (no row is copied) and later days get
partitions of their own; going back copies every row into one plain table again. SQLite keeps
its plain tables: nothing happens there.
"""

from django.db import migrations

from diemcau.core import partitions

SAMPLES = partitions.Daily("monitoring_sample", "measured_at", arrival="received_at")
CHECK_RESULTS = partitions.Daily("monitoring_checkresult", "at")


def forward(apps, schema_editor):
    partitions.to_partitioned(schema_editor, SAMPLES, brin=("measured_at", "received_at"))
    partitions.to_partitioned(schema_editor, CHECK_RESULTS, brin=("at",))


def backward(apps, schema_editor):
    partitions.to_plain(schema_editor, SAMPLES, apps.get_model("monitoring", "Sample"))
    partitions.to_plain(schema_editor, CHECK_RESULTS, apps.get_model("monitoring", "CheckResult"))


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0006_sample_identity_with_time"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
