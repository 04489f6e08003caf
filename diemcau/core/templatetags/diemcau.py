"""Template helpers shared by every app."""

from django import template
from django.core.exceptions import FieldDoesNotExist

register = template.Library()


@register.simple_tag
def cell(row, column):
    """The value of a list column for one row, as the export writes it."""
    value = column.value(row)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


@register.filter
def field_label(name, record):
    """Verbose name of a field named in a change record."""
    model = record.content_type.model_class()
    try:
        return model._meta.get_field(name).verbose_name
    except (FieldDoesNotExist, AttributeError):
        return name


@register.simple_tag(takes_context=True)
def querystring_with(context, **kwargs):
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()
