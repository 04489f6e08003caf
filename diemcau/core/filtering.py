"""One FilterSet per model (django-filter), shared by a list's page, its export and its API endpoint.

As in NetBox: the page renders ``filterset.form`` and lists ``filterset.qs``;
the export writes the same ``qs``; the API endpoint passes its query
parameters to the same FilterSet (``api_filter``), so the three never
disagree about what a filter means.
"""

from __future__ import annotations

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError

from diemcau.core.forms import BootstrapMixin


class FilterForm(BootstrapMixin, forms.Form):
    """The form of every FilterSet: Bootstrap classes on the widgets."""


class ListFilterSet(df.FilterSet):
    """Base of the project's FilterSets (Bootstrap form)."""

    class Meta:
        form = FilterForm


class RetirableFilterSet(ListFilterSet):
    """Lists of objects that can be retired: the live ones, unless *Include retired* is ticked."""

    retired = df.BooleanFilter(label=_("Include retired"), method="_retired", widget=forms.CheckboxInput)

    def _retired(self, queryset, name, value):
        return queryset  # applied in ``qs``, so that an unfiltered page shows the live objects too

    @property
    def qs(self):
        queryset = super().qs
        if self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("retired"):
            return queryset
        return queryset.filter(retired_at__isnull=True)


def api_filter(filterset_class, params: dict, queryset):
    """The API's list: the page's FilterSet over the API's parameters; 422 naming the bad parameter."""
    data = {name: value for name, value in params.items() if value not in (None, "")}
    filterset = filterset_class(data, queryset=queryset)
    if not filterset.is_valid():
        detail = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items())
        raise HttpError(422, detail)
    return filterset.qs
