"""Links from other apps' pages to the guides library (R14): ``{% load reports_links %}``.

``{% symptom_guides symptom_id %}`` draws links to the guides about an incident symptom (those that
name it, else the incident-handling guides); ``{% topic_guides "precheck" %}`` to a topic's guides.
The guides are read once per page, however many times the tags are used.
"""

from django import template
from django.urls import reverse

register = template.Library()


def _index(context) -> dict:
    cache = context.render_context
    if "reports_guides" not in cache:
        from diemcau.reports.models import Guide

        by_symptom, by_topic = {}, {}
        for guide in Guide.objects.filter(versions__isnull=False).distinct().prefetch_related("symptoms") \
                .order_by("title"):
            entry = (guide.title, reverse("reports:guide", args=[guide.code]))
            by_topic.setdefault(guide.topic, []).append(entry)
            for symptom in guide.symptoms.all():
                by_symptom.setdefault(symptom.pk, []).append(entry)
        cache["reports_guides"] = {"symptom": by_symptom, "topic": by_topic}
    return cache["reports_guides"]


@register.inclusion_tag("reports/_guide_links.html", takes_context=True)
def symptom_guides(context, symptom_id):
    index = _index(context)
    return {"links": index["symptom"].get(symptom_id) or index["topic"].get("incident", [])}


@register.inclusion_tag("reports/_guide_links.html", takes_context=True)
def topic_guides(context, topic):
    return {"links": _index(context)["topic"].get(topic, [])}
