from django.db import migrations, models


def fill(apps, schema_editor):
    """Standards already in force get the shipped checklist (an empty one would mean the same)."""
    from diemcau.standards.reference import read_standard_file

    Standard = apps.get_model("standards", "Standard")
    precheck = read_standard_file().get("precheck") or {}
    Standard.objects.filter(precheck={}).update(precheck=precheck)


class Migration(migrations.Migration):

    dependencies = [
        ('standards', '0004_pending_verdict'),
    ]

    operations = [
        migrations.AddField(
            model_name='standard',
            name='precheck',
            field=models.JSONField(blank=True, default=dict, verbose_name='pre-meeting check'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
