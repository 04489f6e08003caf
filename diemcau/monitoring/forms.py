from django import forms
from django.utils.translation import gettext_lazy as _

from diemcau.core.forms import BootstrapMixin
from diemcau.inventory.models import Organization, Term
from diemcau.lib.collation import vi_order
from diemcau.monitoring.choices import Grade
from diemcau.monitoring.models import DeviceCheck, VendorStatusOid


class BoardFilter(BootstrapMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"), required=False, empty_label=_("All"),
        queryset=Organization.objects.units().filter(is_active=True).order_by(vi_order("name")))
    operator = forms.ModelChoiceField(
        label=_("Operator"), required=False, empty_label=_("All"),
        queryset=Organization.objects.operators().filter(is_active=True).order_by(vi_order("name")))
    link_kind = forms.ModelChoiceField(
        label=_("Link kind"), required=False, empty_label=_("All"),
        queryset=Term.objects.filter(taxonomy="link_kind", is_active=True).order_by("position"))
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=[("", _("All")), *Grade.choices])


class DeviceCheckForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = DeviceCheck
        fields = ["device", "method", "host", "port", "enabled", "snmp_version", "snmp_community", "snmp_user",
                  "snmp_auth_key", "snmp_priv_key"]
        widgets = {"snmp_community": forms.PasswordInput(render_value=True),
                   "snmp_auth_key": forms.PasswordInput(render_value=True),
                   "snmp_priv_key": forms.PasswordInput(render_value=True)}

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = site.devices.active().select_related("group")


class VendorStatusOidForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = VendorStatusOid
        fields = ["manufacturer", "model", "oid", "healthy_values", "label"]
