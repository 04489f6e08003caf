"""Webhooks and deliveries move to the outbox in core: copy the rows, ids kept."""

from django.core.management.color import no_style
from django.db import migrations

ENDPOINT_FIELDS = ["id", "name", "url", "secret", "organization_id", "is_active"]
DELIVERY_FIELDS = ["id", "channel", "recipient", "endpoint_id", "kind", "subject", "body", "payload", "status",
                   "attempts", "next_attempt_at", "last_error", "sent_at", "created_at"]


def _copy(source, target, fields, extra=None):
    rows = []
    for row in source.objects.order_by("pk").values(*fields, *(["incident_id"] if extra else [])).iterator():
        incident_id = row.pop("incident_id", None)
        rows.append(target(**row, **(extra(incident_id) if extra else {})))
    target.objects.bulk_create(rows, batch_size=500)


def _reset_sequences(schema_editor, models):
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), models):
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    old_endpoint, old_delivery = apps.get_model("incidents", "WebhookEndpoint"), apps.get_model("incidents", "Delivery")
    endpoint, delivery = apps.get_model("core", "WebhookEndpoint"), apps.get_model("core", "Delivery")
    _copy(old_endpoint, endpoint, ENDPOINT_FIELDS)
    _copy(old_delivery, delivery, DELIVERY_FIELDS,
          extra=lambda incident_id: {"url": f"/incidents/{incident_id}/" if incident_id else ""})
    _reset_sequences(schema_editor, [endpoint, delivery])


def backwards(apps, schema_editor):
    old_endpoint, old_delivery = apps.get_model("incidents", "WebhookEndpoint"), apps.get_model("incidents", "Delivery")
    endpoint, delivery = apps.get_model("core", "WebhookEndpoint"), apps.get_model("core", "Delivery")
    _copy(endpoint, old_endpoint, ENDPOINT_FIELDS)
    rows = []
    for row in delivery.objects.order_by("pk").values(*DELIVERY_FIELDS, "url").iterator():
        url = row.pop("url")
        parts = url.strip("/").split("/")
        incident_id = int(parts[1]) if len(parts) == 2 and parts[0] == "incidents" and parts[1].isdigit() else None
        # The states the old table knew: an attempt in flight or of unknown outcome counts as failed.
        if row["status"] not in ("pending", "sent", "failed"):
            row["status"] = "failed"
        rows.append(old_delivery(**row, incident_id=incident_id))
    old_delivery.objects.bulk_create(rows, batch_size=500)
    _reset_sequences(schema_editor, [old_endpoint, old_delivery])
    delivery.objects.all().delete()
    endpoint.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0008_vietnamese_order"),
        ("core", "0005_outbox"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
