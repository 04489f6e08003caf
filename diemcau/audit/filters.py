"""The audit log's filter form."""

from datetime import datetime, time

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.audit.choices import AuditAction
from diemcau.core.forms import BootstrapMixin


class AuditFilter(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(label=_("Event"), required=False, choices=[("", _("All"))] + AuditAction.choices)
    who = forms.CharField(label=_("User"), required=False, max_length=150)
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def apply(self, qs):
        data = self.cleaned_data
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("who"):
            who = data["who"].strip()
            qs = qs.filter(Q(actor_name__icontains=who) | Q(target_repr__icontains=who))
        if data.get("ip"):
            qs = qs.filter(ip=data["ip"])
        zone = timezone.get_current_timezone()
        if data.get("since"):
            qs = qs.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=zone))
        if data.get("until"):
            qs = qs.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=zone))
        return qs
