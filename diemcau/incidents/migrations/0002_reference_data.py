"""Seed the knowledge base for every symptom and the default SLA policy per severity."""

from django.db import migrations


def load(apps, schema_editor):
    from diemcau.incidents.reference import load_reference

    load_reference(apps.get_model("inventory", "Term"), apps.get_model("incidents", "SymptomGuide"),
                   apps.get_model("incidents", "SlaPolicy"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("inventory", "0002_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
