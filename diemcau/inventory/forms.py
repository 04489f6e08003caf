"""Forms for sites, devices, links and contacts, and the list filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diemcau.core.forms import BootstrapMixin
from diemcau.inventory.choices import AUDIO_CODECS, PROTOCOLS, VIDEO_CODECS, LinkMedium, Taxonomy
from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term


def _terms(taxonomy):
    return Term.objects.filter(taxonomy=taxonomy, is_active=True).order_by("position")


class SiteForm(BootstrapMixin, forms.ModelForm):
    has_ups = forms.NullBooleanField(
        label=_("Has UPS"), required=False,
        widget=forms.Select(choices=[("unknown", _("Not known")), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = Site
        fields = [
            "organization", "code", "name", "room", "address", "is_hub", "seats", "meetings_per_month",
            "has_ups", "ups_model", "ups_runtime_min", "backup_plan", "notes",
        ]
        widgets = {"backup_plan": forms.Textarea(attrs={"rows": 3}), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations.select_related("kind")


class DeviceForm(BootstrapMixin, forms.ModelForm):
    protocols = forms.MultipleChoiceField(
        label=_("Protocols"), required=False, choices=[(p, p) for p in PROTOCOLS],
        widget=forms.CheckboxSelectMultiple,
    )
    video_codecs = forms.MultipleChoiceField(
        label=_("Video codecs"), required=False, choices=[(c, c) for c in VIDEO_CODECS],
        widget=forms.CheckboxSelectMultiple,
    )
    audio_codecs = forms.MultipleChoiceField(
        label=_("Audio codecs"), required=False, choices=[(c, c) for c in AUDIO_CODECS],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Device
        fields = [
            "group", "manufacturer", "model", "serial", "firmware", "software", "year", "condition",
            "quantity", "protocols", "video_codecs", "audio_codecs", "max_resolution", "ip_address", "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = _terms(Taxonomy.DEVICE_GROUP)
        self.fields["condition"].queryset = _terms(Taxonomy.DEVICE_CONDITION)


class LinkForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Link
        fields = ["role", "provider", "kind", "medium", "down_mbps", "up_mbps", "circuit_id", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, operator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = _terms(Taxonomy.LINK_KIND)
        providers = Organization.objects.operators().filter(is_active=True)
        if operator is not None:
            # An operator engineer records only links of its own company.
            providers = providers.filter(pk=operator.pk)
            self.fields["provider"].required = True
            self.fields["provider"].empty_label = None
        self.fields["provider"].queryset = providers
        self.fields["medium"].choices = LinkMedium.choices


class ContactForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["role", "full_name", "position", "phone", "email", "user"]

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        from diemcau.accounts.models import User

        users = User.objects.filter(is_active=True)
        self.fields["user"].queryset = users.filter(organization_id=site.organization_id) if site else users.none()


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
