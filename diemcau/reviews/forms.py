"""Forms of review campaigns: open a campaign, assess a site and its device groups, propose, attach evidence."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from diemcau.core.forms import PLACEHOLDER, BootstrapMixin
from diemcau.inventory.choices import (
    AUDIO_CODECS,
    ORG_KIND_DOST,
    ORG_KIND_OPERATOR,
    PROTOCOLS,
    VIDEO_CODECS,
    Taxonomy,
)
from diemcau.inventory.models import Organization, Term
from diemcau.lib.collation import vi_order
from diemcau.reviews.choices import ActionList, Frequency
from diemcau.reviews.models import Assessment, Campaign, GroupAssessment, Proposal


def terms(taxonomy):
    return Term.objects.filter(taxonomy=taxonomy, is_active=True).order_by("position", "code")


def parse_vnd(text) -> int:
    """"12.500.000", "12 500 000 ₫" or "12500000" → 12500000."""
    if text in (None, ""):
        return 0
    digits = re.sub(r"[\s.,₫đĐVNDvnd]", "", str(text))
    if not digits.isdigit():
        raise ValidationError(_("Write the cost in đồng, digits only, e.g. 12.500.000."))
    value = int(digits)
    if value > 10**12:
        raise ValidationError(_("This cost is not plausible for one item."))
    return value


class VndField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "12.500.000"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{value:,}".replace(",", ".")
        return value

    def to_python(self, value):
        return parse_vnd(super().to_python(value))


class CampaignForm(BootstrapMixin, forms.ModelForm):
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organisations in scope"), queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple, help_text=_("Each one gets a task with its own state."),
    )
    reminder_text = forms.CharField(
        label=_("Reminders (days before the deadline)"), initial="7, 3, 1", required=False,
        help_text=_("E.g. 7, 3, 1: the units that have not submitted are reminded on those days."),
    )

    class Meta:
        model = Campaign
        fields = ["title", "deadline", "instructions", "previous"]
        widgets = {
            "deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "instructions": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.filter(is_active=True).exclude(kind__code__in=[ORG_KIND_OPERATOR, ORG_KIND_DOST]) \
            .order_by("kind__position", vi_order("name"))
        self.fields["organizations"].queryset = orgs
        if not self.is_bound:
            self.fields["organizations"].initial = list(orgs.filter(sites__retired_at__isnull=True)
                                                        .values_list("pk", flat=True).distinct())
        self.fields["deadline"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]

    def clean_reminder_text(self):
        text = self.cleaned_data.get("reminder_text") or ""
        parts = [p for p in re.split(r"[,\s;]+", text) if p]
        if any(not p.isdigit() or int(p) > 90 for p in parts):
            raise ValidationError(_("Give whole numbers of days between 0 and 90, separated by commas."))
        return sorted({int(p) for p in parts}, reverse=True)


def choose_first(form, *names):
    """“— choose —” instead of dashes, for answers a site contact must give."""
    for name in names:
        field = form.fields[name]
        field.choices = [("", _("— choose —"))] + [c for c in field.choices if c[0] != ""]


class AssessmentForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["meets_needs", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choose_first(self, "meets_needs")


class GroupForm(BootstrapMixin, forms.ModelForm):
    """One device group: state, compatibility, fit for meetings, causes, and how often each fault happens."""

    class Meta:
        model = GroupAssessment
        fields = ["condition", "compatibility", "meets_needs", "causes", "notes"]
        widgets = {"causes": forms.CheckboxSelectMultiple, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, symptoms=(), faults=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].queryset = terms(Taxonomy.DEVICE_CONDITION).exclude(code="unknown")
        self.fields["condition"].empty_label = PLACEHOLDER
        self.fields["causes"].queryset = terms(Taxonomy.CAUSE)
        self.fields["causes"].required = False
        choose_first(self, "compatibility", "meets_needs")
        self.symptoms = list(symptoms)
        faults = faults or {}
        for symptom in self.symptoms:
            field = forms.ChoiceField(label=symptom.name, required=False,
                                      choices=[("", _("not seen"))] + list(Frequency.choices))
            field.widget.attrs["class"] = "form-select form-select-sm"
            self.fields[f"fault_{symptom.code}"] = field
            if symptom.pk in faults:
                self.initial[f"fault_{symptom.code}"] = faults[symptom.pk].frequency

    def main_fields(self):
        return [self[n] for n in ("condition", "compatibility", "meets_needs", "notes")]

    def fault_fields(self):
        return [(s, self[f"fault_{s.code}"]) for s in self.symptoms]

    def chosen_faults(self) -> dict:
        return {s.pk: self.cleaned_data[f"fault_{s.code}"] for s in self.symptoms if self.cleaned_data.get(f"fault_{s.code}")}


class ProposalForm(BootstrapMixin, forms.ModelForm):
    cost_vnd = VndField(label=_("Estimated cost (VND)"), required=False)
    protocols = forms.MultipleChoiceField(label=_("Protocols"), required=False, widget=forms.CheckboxSelectMultiple,
                                          choices=[(p, p) for p in PROTOCOLS])
    video_codecs = forms.MultipleChoiceField(label=_("Video codecs"), required=False,
                                             widget=forms.CheckboxSelectMultiple, choices=[(c, c) for c in VIDEO_CODECS])
    audio_codecs = forms.MultipleChoiceField(label=_("Audio codecs"), required=False,
                                             widget=forms.CheckboxSelectMultiple, choices=[(c, c) for c in AUDIO_CODECS])

    class Meta:
        model = Proposal
        fields = ["group", "action", "cause", "description", "quantity", "cost_vnd", "justification",
                  "manufacturer", "model", "protocols", "video_codecs", "audio_codecs", "max_resolution",
                  "province_wide", "help_now", "flag_reason"]
        widgets = {"justification": forms.Textarea(attrs={"rows": 3}), "flag_reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, assessment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = terms(Taxonomy.DEVICE_GROUP)
        self.fields["action"].queryset = terms(Taxonomy.ACTION)
        self.fields["action"].label_from_instance = lambda t: f"{t.name} — {ActionList(t.extra.get('list', 'fix')).label}"
        self.fields["cause"].queryset = terms(Taxonomy.CAUSE)
        self.fields["action"].help_text = _("Cheapest first: propose a purchase only when nothing cheaper fixes the cause.")
        if assessment is not None and not self.instance.pk:
            self.instance.assessment = assessment
        if not self.instance.flags:
            self.fields["flag_reason"].widget = forms.HiddenInput()

    def clean_cost_vnd(self):
        return self.cleaned_data.get("cost_vnd") or 0


class EvidenceForm(BootstrapMixin, forms.Form):
    group = forms.ModelChoiceField(label=_("Device group"), queryset=Term.objects.none(), required=False,
                                   empty_label=_("the whole site"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(label=_("Photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp",
                                                                   "capture": "environment"}))

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups if groups is not None else terms(Taxonomy.DEVICE_GROUP)

    def clean(self):
        data = super().clean()
        if not (data.get("note") or "").strip() and not data.get("photo"):
            raise ValidationError(_("Write a note or attach a photo."))
        return data
