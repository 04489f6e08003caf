"""Seed the knowledge base for every symptom and the default SLA policy per severity."""

from pathlib import Path

import yaml
from django.db import migrations

KNOWLEDGE = Path(__file__).resolve().parent.parent / "data" / "knowledge.yaml"
POLICIES = [
    # severity, acknowledge, respond, resolve (minutes), around the clock
    ("critical", 15, 60, 240, True),
    ("high", 30, 120, 480, False),
    ("normal", 60, 240, 960, False),
    ("low", 240, 480, 2400, False),
]


def load(apps, schema_editor):
    Term = apps.get_model("inventory", "Term")
    SymptomGuide = apps.get_model("incidents", "SymptomGuide")
    SlaPolicy = apps.get_model("incidents", "SlaPolicy")
    knowledge = yaml.safe_load(KNOWLEDGE.read_text(encoding="utf-8"))
    for term in Term.objects.filter(taxonomy="symptom"):
        entry = knowledge.get(term.code)
        if entry and not SymptomGuide.objects.filter(symptom=term).exists():
            SymptomGuide.objects.create(symptom=term, family=entry["family"],
                                        usual_causes="\n".join(entry["causes"]),
                                        first_checks="\n".join(entry["checks"]))
    for severity, ack, respond, resolve, always in POLICIES:
        SlaPolicy.objects.get_or_create(severity=severity, operator=None, defaults={
            "acknowledge_minutes": ack, "respond_minutes": respond, "resolve_minutes": resolve,
            "around_the_clock": always})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial"), ("inventory", "0002_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
