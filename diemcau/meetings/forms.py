"""Forms of the meetings pages. Times are typed in Hanoi time and stored in UTC."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.inventory.models import Organization, Site, Term
from diemcau.meetings.choices import BackupKind, Importance, Level, Outcome, RollCall
from diemcau.meetings.models import BackupPlan, TrainingSession

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
PARTICIPANT_KINDS = ("leadership", "party", "department", "commune", "ward", "dost")


def _styled(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        css = "form-select" if isinstance(widget, forms.Select | forms.SelectMultiple) else "form-control"
        widget.attrs.setdefault("class", css)


def aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


class SiteChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class SitesChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.organization.name} — {obj.name} ({obj.code})"


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    importance = forms.ChoiceField(label=_("Importance"), choices=Importance.choices)
    organizer = forms.ModelChoiceField(label=_("Organised by"), queryset=Organization.objects.none())
    host_site = SiteChoice(label=_("Host site"), queryset=Site.objects.none())
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=None, required=False)
    day = forms.DateField(label=_("Date"), widget=DATE)
    start = forms.TimeField(label=_("Starts"), widget=TIME)
    end = forms.TimeField(label=_("Ends"), widget=TIME, help_text=_("Earlier than the start: the next day."))
    kinds = forms.MultipleChoiceField(label=_("Every site of these organisation kinds"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    all_local = forms.BooleanField(label=_("All communes and wards"), required=False)
    sites = SitesChoice(label=_("And these sites"), queryset=Site.objects.none(), required=False,
                        widget=forms.SelectMultiple(attrs={"size": 10}))
    dial_in = forms.CharField(label=_("How to join"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Room number, link, password, phone bridge number."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    repeat_until = forms.DateField(label=_("Repeat every week until"), required=False, widget=DATE,
                                   help_text=_("Empty: one meeting."))

    def __init__(self, *args, sites, organizers, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        from diemcau.standards.models import Platform

        self.fields["organizer"].queryset = organizers
        self.fields["host_site"].queryset = sites
        self.fields["sites"].queryset = sites.select_related("organization").order_by("organization__name", "code")
        self.fields["platform"].queryset = Platform.objects.filter(is_active=True)
        kinds = Term.objects.filter(taxonomy="organization_kind", code__in=PARTICIPANT_KINDS)
        self.fields["kinds"].choices = [(t.code, t.name) for t in kinds]
        if editing:
            del self.fields["repeat_until"]
            del self.fields["organizer"]
        _styled(self)

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("start") and data.get("end"):
            starts = aware(data["day"], data["start"])
            ends = aware(data["day"], data["end"])
            if ends <= starts:
                ends += dt.timedelta(days=1)
            data["starts_at"], data["ends_at"] = starts, ends
        if not (data.get("kinds") or data.get("all_local") or data.get("sites")):
            self.add_error("sites", _("Choose the participating sites."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=300)


class MarkForm(forms.Form):
    item = forms.CharField(max_length=20)
    outcome = forms.ChoiceField(choices=[(Outcome.PASS, _("OK")), (Outcome.FAIL, _("Not OK"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    photo = forms.FileField(label=_("Photo"), required=False)


class CheckIncidentForm(forms.Form):
    symptoms = forms.ModelMultipleChoiceField(label=_("What is wrong?"), queryset=Term.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["symptoms"].queryset = Term.objects.filter(taxonomy="symptom", is_active=True)
        _styled(self)


class RollCallForm(forms.Form):
    status = forms.ChoiceField(choices=RollCall.choices)
    note = forms.CharField(required=False, max_length=300)


class ShiftForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    duty = forms.CharField(label=_("Duty"), max_length=120, required=False)
    name = forms.CharField(label=_("Name"), max_length=120)
    phone = forms.CharField(label=_("Phone"), max_length=40)
    meeting = forms.ModelChoiceField(label=_("For the meeting"), queryset=None, required=False,
                                     help_text=_("Empty: on duty for the period below."))
    starts_at = forms.DateTimeField(label=_("From"), widget=DATETIME, required=False,
                                    input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label=_("Until"), widget=DATETIME, required=False,
                                  input_formats=["%Y-%m-%dT%H:%M"])

    def __init__(self, *args, organizations, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["meeting"].queryset = meetings
        _styled(self)

    def clean(self):
        data = super().clean()
        meeting = data.get("meeting")
        if meeting is not None:
            data["starts_at"] = data.get("starts_at") or meeting.opens_at
            data["ends_at"] = data.get("ends_at") or meeting.ends_at
        elif not data.get("starts_at") or not data.get("ends_at"):
            self.add_error("starts_at", _("Give the period, or choose a meeting."))
        return data


class SwapForm(forms.Form):
    to_name = forms.CharField(label=_("Handed to"), max_length=120)
    to_phone = forms.CharField(label=_("Their phone"), max_length=40)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class PlanForm(forms.ModelForm):
    class Meta:
        model = BackupPlan
        fields = ["kind", "title", "steps", "equipment"]
        widgets = {"steps": forms.Textarea(attrs={"rows": 4}), "equipment": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = BackupKind.choices
        _styled(self)


class DrillForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Tried at"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    conducted_by = forms.CharField(label=_("Tried by"), max_length=200)
    worked = forms.TypedChoiceField(label=_("Did it work?"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Yes, the meeting was restored")), ("no", _("No"))],
                                    widget=forms.RadioSelect)
    restore_minutes = forms.IntegerField(label=_("Minutes to restore"), required=False, min_value=0,
                                         max_value=600)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class TrainingForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ["topic", "held_on", "trainer", "organizer", "material", "guides", "attendees"]
        widgets = {"held_on": DATE, "material": forms.Textarea(attrs={"rows": 2}),
                   "attendees": forms.SelectMultiple(attrs={"size": 10}),
                   "guides": forms.SelectMultiple(attrs={"size": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from diemcau.inventory.models import Contact

        self.fields["attendees"].queryset = Contact.objects.active().select_related("site").order_by(
            "site__code", "full_name")
        self.fields["attendees"].label_from_instance = lambda c: f"{c.full_name} — {c.site.name} ({c.site.code})"
        self.fields["organizer"].queryset = Organization.objects.filter(is_active=True).order_by("name")
        _styled(self)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
