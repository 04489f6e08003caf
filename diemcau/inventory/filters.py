"""Filters of the inventory lists, shared by the pages, the exports and the API."""

from django import forms
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from diemcau.core.forms import BootstrapMixin
from diemcau.inventory.choices import ContactRole, LinkMedium, LinkRole, Taxonomy
from diemcau.inventory.models import Contact, Link, Organization, Term
from diemcau.lib.collation import vi_order
from diemcau.lib.text import fold


def _term_field(taxonomy, label):
    return forms.ModelChoiceField(
        label=label, required=False, empty_label=_("All"),
        queryset=Term.objects.filter(taxonomy=taxonomy).order_by("position"), to_field_name="code",
    )


def _org_field():
    return forms.ModelChoiceField(
        label=_("Organisation"), required=False, empty_label=_("All"),
        queryset=Organization.objects.filter(is_active=True).exclude(kind__code="operator").order_by(vi_order("name")),
        to_field_name="code",
    )


def _provider_field():
    return forms.ModelChoiceField(
        label=_("Provider"), required=False, empty_label=_("All"),
        queryset=Organization.objects.filter(kind__code="operator").order_by(vi_order("name")), to_field_name="code",
    )


class SiteFilter(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    organization = _org_field()
    kind = _term_field(Taxonomy.ORGANIZATION_KIND, _("Organisation kind"))
    provider = _provider_field()
    link_kind = _term_field(Taxonomy.LINK_KIND, _("Primary link kind"))
    gap = forms.ChoiceField(
        label=_("Gap"), required=False,
        choices=[("", _("All")), ("no_contact", _("No technical contact")), ("no_backup", _("No backup link"))],
    )
    retired = forms.BooleanField(label=_("Include retired"), required=False)

    def apply(self, qs):
        data = self.cleaned_data
        if data.get("q"):
            qs = qs.filter(Q(search_text__contains=fold(data["q"])) | Q(organization__search_text__contains=fold(data["q"])))
        if data.get("organization"):
            qs = qs.filter(organization=data["organization"])
        if data.get("kind"):
            qs = qs.filter(organization__kind=data["kind"])
        primary = Link.objects.active().filter(site=OuterRef("pk"), role=LinkRole.PRIMARY)
        if data.get("provider"):
            qs = qs.filter(Exists(primary.filter(provider=data["provider"])))
        if data.get("link_kind"):
            qs = qs.filter(Exists(primary.filter(kind=data["link_kind"])))
        if data.get("gap") == "no_contact":
            qs = qs.exclude(Exists(Contact.objects.active().filter(site=OuterRef("pk"), role=ContactRole.PRIMARY)))
        elif data.get("gap") == "no_backup":
            qs = qs.exclude(Exists(Link.objects.active().filter(site=OuterRef("pk"), role=LinkRole.BACKUP)))
        return qs


def decorate_sites(qs):
    """What the site list shows besides the site: device count, primary link and contact."""
    return qs.select_related("organization", "organization__kind").annotate(
        device_count=Count("devices", filter=Q(devices__retired_at__isnull=True)),
    ).prefetch_related(
        Prefetch(
            "links", to_attr="primary_links",
            queryset=Link.objects.active().filter(role=LinkRole.PRIMARY).select_related("provider", "kind"),
        ),
        Prefetch(
            "contacts", to_attr="primary_contacts",
            queryset=Contact.objects.active().filter(role=ContactRole.PRIMARY),
        ),
    )


class DeviceFilter(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    organization = _org_field()
    group = _term_field(Taxonomy.DEVICE_GROUP, _("Device group"))
    condition = _term_field(Taxonomy.DEVICE_CONDITION, _("Condition"))
    retired = forms.BooleanField(label=_("Include retired"), required=False)

    def apply(self, qs):
        data = self.cleaned_data
        if data.get("q"):
            folded = fold(data["q"])
            qs = qs.filter(Q(search_text__contains=folded) | Q(site__search_text__contains=folded))
        if data.get("organization"):
            qs = qs.filter(site__organization=data["organization"])
        if data.get("group"):
            qs = qs.filter(group=data["group"])
        if data.get("condition"):
            qs = qs.filter(condition=data["condition"])
        return qs


class LinkFilter(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    organization = _org_field()
    provider = _provider_field()
    kind = _term_field(Taxonomy.LINK_KIND, _("Link kind"))
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All")), *LinkRole.choices])
    medium = forms.ChoiceField(label=_("Medium"), required=False, choices=[("", _("All")), *LinkMedium.choices])
    wired = forms.ChoiceField(
        label=_("Wired"), required=False, choices=[("", _("All")), ("yes", _("Wired")), ("no", _("Not wired"))]
    )
    retired = forms.BooleanField(label=_("Include retired"), required=False)

    def apply(self, qs):
        data = self.cleaned_data
        if data.get("q"):
            folded = fold(data["q"])
            qs = qs.filter(Q(site__search_text__contains=folded) | Q(circuit_id__icontains=data["q"]))
        if data.get("organization"):
            qs = qs.filter(site__organization=data["organization"])
        if data.get("provider"):
            qs = qs.filter(provider=data["provider"])
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("role"):
            qs = qs.filter(role=data["role"])
        if data.get("medium"):
            qs = qs.filter(medium=data["medium"])
        if data.get("wired") == "yes":
            qs = qs.filter(medium__in=LinkMedium.wired())
        elif data.get("wired") == "no":
            qs = qs.exclude(medium__in=LinkMedium.wired())
        return qs


class OrganizationFilter(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = _term_field(Taxonomy.ORGANIZATION_KIND, _("Kind"))

    def apply(self, qs):
        data = self.cleaned_data
        if data.get("q"):
            qs = qs.filter(search_text__contains=fold(data["q"]))
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        return qs
