"""Put the shipped default standard (diemcau/data/standard.yaml) in force on a new database."""

from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from diemcau.standards.reference import read_standard_file

    Standard = apps.get_model("standards", "Standard")
    Requirement = apps.get_model("standards", "Requirement")
    if Standard.objects.exists():
        return
    data = read_standard_file()
    standard = Standard.objects.create(
        name=data["name"], version=str(data["version"]), status="published", published_at=timezone.now(),
    )
    Requirement.objects.bulk_create([
        Requirement(
            standard=standard, code=item["code"], category=item["category"], text=item["vi"], rule=item["rule"],
            severity=item.get("severity", "fail"), source=item.get("source", ""), position=index,
        )
        for index, item in enumerate(data["requirements"], start=1)
    ])


def unload(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("standards", "0001_initial"),
        ("inventory", "0002_reference_data"),
    ]
    operations = [migrations.RunPython(load, unload)]
