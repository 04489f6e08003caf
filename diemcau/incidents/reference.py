"""Reference data the app ships: the knowledge base for every symptom and the default SLA policies.

Loaded by the data migration, and again by tests after a transactional
test flushed the tables. Existing rows are left alone: DOST edits them.
"""

from pathlib import Path

import yaml

KNOWLEDGE = Path(__file__).resolve().parent / "data" / "knowledge.yaml"
POLICIES = [
    # severity, acknowledge, respond, resolve (minutes), around the clock
    ("critical", 15, 60, 240, True),
    ("high", 30, 120, 480, False),
    ("normal", 60, 240, 960, False),
    ("low", 240, 480, 2400, False),
]


def load_reference(Term=None, SymptomGuide=None, SlaPolicy=None) -> None:  # noqa: N803 (model classes)
    if Term is None:
        from diemcau.incidents.models import SlaPolicy, SymptomGuide
        from diemcau.inventory.models import Term
    knowledge = yaml.safe_load(KNOWLEDGE.read_text(encoding="utf-8"))
    for term in Term.objects.filter(taxonomy="symptom"):
        entry = knowledge.get(term.code)
        if entry and not SymptomGuide.objects.filter(symptom=term).exists():
            SymptomGuide.objects.create(symptom=term, family=entry["family"],
                                        usual_causes="\n".join(entry["causes"]),
                                        first_checks="\n".join(entry["checks"]))
    for severity, ack, respond, resolve, always in POLICIES:
        if not SlaPolicy.objects.filter(severity=severity, operator__isnull=True).exists():
            SlaPolicy.objects.create(severity=severity, operator=None, acknowledge_minutes=ack,
                                     respond_minutes=respond, resolve_minutes=resolve, around_the_clock=always)
