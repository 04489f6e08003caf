"""Forms of the incident pages; every rule lives in the services and models."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from diemcau.core import uploads
from diemcau.core.forms import BootstrapMixin
from diemcau.core.models import WebhookEndpoint
from diemcau.incidents.choices import Family, Severity, Status
from diemcau.incidents.models import OPEN, CalendarDay, SlaPolicy, SymptomGuide
from diemcau.inventory.models import Organization, Term
from diemcau.lib.text import fold


def _terms(taxonomy):
    return Term.objects.filter(taxonomy=taxonomy, is_active=True).order_by("position", "code")


class ReportForm(BootstrapMixin, forms.Form):
    """Under 30 seconds on a phone: site, symptom chips, a few words, maybe a photo."""

    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    symptoms = forms.ModelMultipleChoiceField(label=_("What is wrong?"), queryset=None,
                                              widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("Details"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Optional: what you see, since when")}))
    photo = forms.FileField(label=_("Photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp",
                                                                   "capture": "environment"}))
    important_meeting = forms.BooleanField(label=_("An important meeting is running now"), required=False)
    caller = forms.CharField(label=_("Caller (name, phone)"), required=False, max_length=200)

    def __init__(self, *args, sites, by_phone=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.photo_max_mb = uploads.photo_max_mb()
        self.fields["site"].queryset = sites.select_related("organization").order_by("code")
        self.fields["symptoms"].queryset = _terms("symptom")
        if not by_phone:
            del self.fields["caller"]
        else:
            self.fields["caller"].required = True


class TriageForm(BootstrapMixin, forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    suspected_cause = forms.ModelChoiceField(label=_("Suspected cause"), queryset=None, required=False)
    important_meeting = forms.BooleanField(label=_("During an important meeting (24/7)"), required=False)
    holder = forms.ModelChoiceField(label=_("Responsible organisation"), queryset=None)
    reason = forms.CharField(label=_("Reason for handing over"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suspected_cause"].queryset = _terms("cause")
        self.fields["holder"].queryset = Organization.objects.filter(is_active=True).select_related("kind").order_by(
            "kind__position", "name")


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ThirdPartyForm(BootstrapMixin, forms.Form):
    """Waiting for another organisation or a supplier while keeping the incident: the clocks keep running."""

    party = forms.ModelChoiceField(label=_("Waiting for (organisation)"), queryset=None, required=False,
                                   empty_label=_("— another party, named below —"))
    party_name = forms.CharField(label=_("or name them"), required=False, max_length=200,
                                 widget=forms.TextInput(attrs={"placeholder": _("e.g. the device supplier")}))
    note = forms.CharField(label=_("What is expected from them"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, exclude_holder=None, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.filter(is_active=True).select_related("kind").order_by("kind__position", "name")
        self.fields["party"].queryset = orgs.exclude(pk=exclude_holder) if exclude_holder else orgs

    def clean(self):
        data = super().clean()
        if not data.get("party") and not (data.get("party_name") or "").strip():
            self.add_error("party", _("Choose the organisation waited for, or name it."))
        return data


class CloseForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False)
    duplicate_of = forms.CharField(label=_("Duplicate of incident"), required=False, max_length=20,
                                   widget=forms.TextInput(attrs={"placeholder": "SC-000123"}),
                                   help_text=_("A duplicate counts in no report and not as a repeat."))

    def __init__(self, *args, user=None, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.incident = user, incident

    def clean_duplicate_of(self):
        from diemcau.incidents.access import incidents_for_user

        text = (self.cleaned_data.get("duplicate_of") or "").strip().upper().removeprefix("SC-").lstrip("0")
        if not text:
            return None
        found = incidents_for_user(self.user).filter(pk=int(text)).first() if text.isdigit() else None
        if found is None:
            raise forms.ValidationError(_("No incident %(code)s that you can see.") % {
                "code": self.cleaned_data["duplicate_of"]})
        return found


class ResolveForm(BootstrapMixin, forms.Form):
    cause_found = forms.ModelChoiceField(label=_("Cause found"), queryset=None)
    action_taken = forms.ModelChoiceField(label=_("Action taken"), queryset=None)
    resolution = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause_found"].queryset = _terms("cause")
        self.fields["action_taken"].queryset = _terms("action")


class IncidentFilter(BootstrapMixin, forms.Form):
    OPEN, CLOSED = "open", "done"
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), (OPEN, _("Open")), (CLOSED, _("Resolved or closed")), *Status.choices])
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[("", _("All")), *Severity.choices])
    family = forms.ChoiceField(label=_("Symptom family"), required=False, choices=[("", _("All")), *Family.choices])
    holder = forms.ModelChoiceField(label=_("Held by"), required=False, queryset=Organization.objects.none(),
                                    empty_label=_("All"))
    breached = forms.BooleanField(label=_("Target missed"), required=False)
    repeat = forms.BooleanField(label=_("Repeats"), required=False)

    def __init__(self, *args, holders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = holders if holders is not None else Organization.objects.none()

    def apply(self, qs):
        data = self.cleaned_data
        if data.get("q"):
            text = fold(data["q"])
            code = data["q"].upper().removeprefix("SC-").lstrip("0")
            match = Q(site__search_text__contains=text)
            if code.isdigit():
                match |= Q(pk=int(code))
            # Symptom names ("mất tiếng", "mat tieng", "no audio"): a handful of terms, folded in Python.
            symptoms = [t.pk for t in Term.objects.filter(taxonomy="symptom")
                        if text in fold(t.name_vi) or (t.name_en and text in fold(t.name_en))]
            if symptoms:
                chosen = qs.model.symptoms.through.objects.filter(incident_id=OuterRef("pk"), term_id__in=symptoms)
                match |= Exists(chosen)
            qs = qs.filter(match)
        state = data.get("state")
        if state == self.OPEN:
            qs = qs.filter(OPEN)
        elif state == self.CLOSED:
            qs = qs.filter(is_open__in=[False])
        elif state:
            qs = qs.filter(status=state)
        for name in ("severity", "family", "holder"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("breached"):
            qs = qs.filter(breached=True)
        if data.get("repeat"):
            qs = qs.filter(is_repeat=True)
        return qs


class PolicyForm(BootstrapMixin, forms.ModelForm):
    """New targets apply to incidents handed over from now on; to open ones only if ticked, with a reason."""

    apply_to_open = forms.BooleanField(
        label=_("Also apply to the open incidents it governs, from now"), required=False,
        help_text=_("Each open incident gets a step saying who applied the new targets and why; "
                    "targets already met or missed keep their figures."))
    reason = forms.CharField(label=_("Reason for applying to open incidents"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = SlaPolicy
        fields = ["severity", "operator", "acknowledge_minutes", "respond_minutes", "resolve_minutes",
                  "around_the_clock", "warn_percent"]

    def clean(self):
        data = super().clean()
        if data.get("apply_to_open") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the new targets also apply to open incidents."))
        return data


class CalendarDayForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class GuideForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = SymptomGuide
        fields = ["family", "usual_causes", "first_checks"]
        widgets = {"usual_causes": forms.Textarea(attrs={"rows": 5}), "first_checks": forms.Textarea(attrs={"rows": 6})}


class WebhookForm(BootstrapMixin, forms.ModelForm):
    url = forms.URLField(label=_("URL"), assume_scheme="https", max_length=200)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "organization", "is_active"]
