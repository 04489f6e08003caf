"""Load the province taxonomies shipped in diemcau/data/taxonomies.yaml."""

from django.db import migrations


def load(apps, schema_editor):
    from diemcau.inventory.reference import load_taxonomies

    load_taxonomies(apps.get_model("inventory", "Term"))


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
