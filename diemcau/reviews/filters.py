"""The FilterSet of a campaign's proposals, shared by the aggregate page, its export and the API."""

import django_filters as df
from django.utils.translation import gettext_lazy as _

from diemcau.core.filtering import ListFilterSet
from diemcau.inventory.choices import Taxonomy
from diemcau.inventory.models import Organization, Term
from diemcau.reviews.choices import ActionList, TaskState
from diemcau.reviews.models import Proposal

STATES = {"handed_in": TaskState.handed_in, "accepted": lambda: [TaskState.ACCEPTED], "all": lambda: TaskState.values}


def _terms(taxonomy):
    return lambda request: Term.objects.filter(taxonomy=taxonomy, is_active=True).order_by("position", "code")


class ProposalFilterSet(ListFilterSet):
    list = df.ChoiceFilter(field_name="action__extra__list", label=_("List"), empty_label=_("All"),
                           choices=ActionList.choices)
    organization = df.ModelChoiceFilter(field_name="assessment__task__organization", label=_("Organisation"),
                                        empty_label=_("All"), queryset=Organization.objects.none())
    group = df.ModelChoiceFilter(field_name="group", label=_("Device group"), empty_label=_("All"),
                                 queryset=_terms(Taxonomy.DEVICE_GROUP))
    action = df.ModelChoiceFilter(field_name="action", label=_("Action"), empty_label=_("All"),
                                  queryset=_terms(Taxonomy.ACTION))
    focus = df.ChoiceFilter(label=_("Only"), empty_label=_("All items"), method="focus_filter", choices=[
        ("province_wide", _("To standardise province-wide")), ("help_now", _("Needs technical help now")),
        ("invest", _("Focused investment")), ("flagged", _("Flagged by the waste checks")),
    ])
    state = df.ChoiceFilter(label=_("Unit state"), empty_label=None, method="state_filter", choices=[
        ("handed_in", _("Submitted or accepted")), ("accepted", _("Accepted only")), ("all", _("All, drafts included")),
    ])

    class Meta(ListFilterSet.Meta):
        model = Proposal
        fields = ["list", "organization", "group", "action", "focus", "state"]

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        if campaign is not None:
            self.filters["organization"].queryset = Organization.objects.filter(review_tasks__campaign=campaign)

    def focus_filter(self, queryset, name, value):
        if value == "province_wide":
            return queryset.filter(province_wide=True)
        if value == "help_now":
            return queryset.filter(help_now=True)
        if value == "invest":
            return queryset.filter(action__extra__list=ActionList.INVEST)
        return queryset.exclude(flags=[])

    def state_filter(self, queryset, name, value):
        return queryset  # applied in ``qs``: the units' state decides which items count at all

    def states(self) -> list:
        """The task states whose items count (submitted or accepted unless asked otherwise)."""
        value = self.form.cleaned_data.get("state") if self.is_bound and self.form.is_valid() else ""
        return list(STATES.get(value or "handed_in")())

    @property
    def qs(self):
        return super().qs.filter(assessment__task__state__in=self.states())
