"""Template helpers of review campaigns: money in VND, flags in words, task state badges."""

from django import template
from django.utils.translation import gettext as _

from diemcau.lib.numbers import format_money
from diemcau.reviews.checks import flag_text

register = template.Library()


def format_vnd(value) -> str:
    """12500000 → "12.500.000 ₫" (diemcau.lib.numbers, the project's one money format)."""
    return format_money(value)


@register.filter
def vnd(value) -> str:
    return format_vnd(value)


@register.filter
def flag_words(flag) -> str:
    return flag_text(flag)


STATE_CLASSES = {
    "not_started": "text-bg-secondary", "draft": "text-bg-info", "submitted": "text-bg-primary",
    "returned": "text-bg-warning", "accepted": "text-bg-success",
}


@register.inclusion_tag("reviews/_state.html")
def state_badge(task, now=None):
    return {"task": task, "css": STATE_CLASSES.get(task.state, "text-bg-light"), "late": task.is_late(now),
            "late_label": _("late")}


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None



@register.filter
def compatibility_label(code) -> str:
    """A stored compatibility code ("compatible") as the reader's words ("Tương thích")."""
    from diemcau.standards.choices import Compatibility

    return Compatibility(code).label if code in Compatibility.values else (code or "—")
