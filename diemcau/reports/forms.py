"""Forms of the reports app: a document's draft, issuing it, a roadmap, a task's progress, a guide."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.reports import documents
from diemcau.reports.choices import GuideTopic, WorkStatus


class DraftForm(forms.Form):
    excerpt = forms.CharField(label=_("Excerpt (trích yếu)"), max_length=300)

    def __init__(self, doc, data=None):
        initial = {"excerpt": doc.excerpt, **{f"part_{k}": doc.texts.get(k, "") for k, _l in
                                              documents.editable_parts(doc.kind)}}
        super().__init__(data, initial=initial)
        for key, label in documents.editable_parts(doc.kind):
            self.fields[f"part_{key}"] = forms.CharField(
                label=label, required=False, max_length=20000,
                widget=forms.Textarea(attrs={"rows": 3 if key == "recipients" else 5}))

    def texts(self) -> dict:
        return {name[5:]: value for name, value in self.cleaned_data.items() if name.startswith("part_")}


class IssueForm(forms.Form):
    authority = forms.CharField(label=_("Authority (e.g. TM. ỦY BAN NHÂN DÂN, KT. GIÁM ĐỐC)"), required=False,
                                max_length=120)
    position = forms.CharField(label=_("Position of the signer"), max_length=120)
    signer_name = forms.CharField(label=_("Full name of the signer"), max_length=120, required=False,
                                  help_text=_("Empty: your name as on your account."))

    @staticmethod
    def defaults(doc, user) -> dict:
        kind = doc.organization.kind.code
        if kind in ("commune", "ward"):
            values = {"authority": "TM. ỦY BAN NHÂN DÂN", "position": "Chủ tịch"}
        elif kind == "dost":
            values = {"authority": "KT. GIÁM ĐỐC", "position": "Phó Giám đốc"}
        else:
            values = {"authority": "", "position": "Giám đốc"}
        values["signer_name"] = user.get_full_name()
        return values


class ProgressForm(forms.Form):
    as_of = forms.DateField(label=_("Report on the state at"), initial=timezone.localdate)

    def clean_as_of(self):
        value = self.cleaned_data["as_of"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class RoadmapForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    phases = forms.CharField(
        label=_("Phases"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One phase a line: name; budget in VND; due date (dd/mm/yyyy). "
                    "E.g. “Giai đoạn 1 (2027); 2.000.000.000; 31/12/2027”."))
    min_per_area = forms.BooleanField(label=_("At least one item for every unit"), required=False)

    def clean_phases(self):
        phases = []
        for n, line in enumerate([x for x in self.cleaned_data["phases"].splitlines() if x.strip()], start=1):
            parts = [p.strip() for p in line.split(";")]
            if len(parts) < 2:
                raise forms.ValidationError(_("Line %(n)s: write the name and the budget, separated by “;”.")
                                            % {"n": n})
            digits = parts[1].replace(".", "").replace(",", "").replace(" ", "")
            if not digits.isdigit():
                raise forms.ValidationError(_("Line %(n)s: the budget “%(value)s” is not a whole number of VND.")
                                            % {"n": n, "value": parts[1]})
            due = ""
            if len(parts) > 2 and parts[2]:
                try:
                    due = dt.datetime.strptime(parts[2], "%d/%m/%Y").date().isoformat()
                except ValueError:
                    raise forms.ValidationError(_("Line %(n)s: the date “%(value)s” is not dd/mm/yyyy.")
                                                % {"n": n, "value": parts[2]})
            phases.append({"label": parts[0], "budget": int(digits), "due": due})
        if not phases:
            raise forms.ValidationError(_("Give at least one phase with its budget."))
        return phases


class WorkUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=WorkStatus.choices)
    cost_spent = forms.IntegerField(label=_("Cost spent so far (VND)"), min_value=0, required=False)
    done_on = forms.DateField(label=_("Done on"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class GuideForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    code = forms.SlugField(label=_("Code"), max_length=60, required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=GuideTopic.choices)
    body = forms.CharField(label=_("Text (Markdown)"), widget=forms.Textarea(attrs={"rows": 14}))
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)
