"""One FilterSet per inventory model, shared by the list page, its export and its API endpoint."""

import django_filters as df
from django import forms
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from diemcau.core.filtering import ListFilterSet, RetirableFilterSet
from diemcau.inventory.choices import ContactRole, LinkMedium, LinkRole, Taxonomy
from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term
from diemcau.lib.collation import vi_order
from diemcau.lib.text import fold

ALL = _("All")


def _terms(taxonomy):
    return lambda request: Term.objects.filter(taxonomy=taxonomy).order_by("position")


def _term(taxonomy, label, **kwargs):
    return df.ModelChoiceFilter(label=label, empty_label=ALL, to_field_name="code", queryset=_terms(taxonomy),
                                **kwargs)


def _organization(field_name):
    return df.ModelChoiceFilter(
        field_name=field_name, label=_("Organisation"), empty_label=ALL, to_field_name="code",
        queryset=lambda request: Organization.objects.units().filter(is_active=True).order_by(vi_order("name")))


def _provider(**kwargs):
    return df.ModelChoiceFilter(label=_("Provider"), empty_label=ALL, to_field_name="code",
                                queryset=lambda request: Organization.objects.operators().order_by(vi_order("name")), **kwargs)


def _hidden(field_name, label):
    """A filter the API and links use (a site's code), not shown in the page's filter bar."""
    return df.CharFilter(field_name=field_name, label=label, widget=forms.HiddenInput)


def _primary(site_path="pk"):
    return Link.objects.active().filter(site=OuterRef(site_path), role=LinkRole.PRIMARY)


class SiteFilterSet(RetirableFilterSet):
    q = df.CharFilter(label=_("Search"), method="search")
    organization = _organization("organization")
    kind = _term(Taxonomy.ORGANIZATION_KIND, _("Organisation kind"), field_name="organization__kind")
    provider = _provider(method="primary_provider")
    link_kind = _term(Taxonomy.LINK_KIND, _("Primary link kind"), method="primary_link_kind")
    gap = df.ChoiceFilter(label=_("Gap"), empty_label=ALL, method="gap_filter",
                          choices=[("no_contact", _("No technical contact")), ("no_backup", _("No backup link"))])

    class Meta(RetirableFilterSet.Meta):
        model = Site
        fields = ["q", "organization", "kind", "provider", "link_kind", "gap", "retired"]

    def search(self, queryset, name, value):
        """The site's name, code, address … or its organisation's name."""
        folded = fold(value)
        return queryset.filter(Q(search_text__contains=folded) | Q(organization__search_text__contains=folded))

    def primary_provider(self, queryset, name, value):
        return queryset.filter(Exists(_primary().filter(provider=value)))

    def primary_link_kind(self, queryset, name, value):
        return queryset.filter(Exists(_primary().filter(kind=value)))

    def gap_filter(self, queryset, name, value):
        if value == "no_contact":
            return queryset.exclude(Exists(Contact.objects.active().filter(site=OuterRef("pk"),
                                                                           role=ContactRole.PRIMARY)))
        return queryset.exclude(Exists(Link.objects.active().filter(site=OuterRef("pk"), role=LinkRole.BACKUP)))


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


class DeviceFilterSet(RetirableFilterSet):
    q = df.CharFilter(label=_("Search"), method="search")
    site = _hidden("site__code", _("Site code"))
    organization = _organization("site__organization")
    group = _term(Taxonomy.DEVICE_GROUP, _("Device group"), field_name="group")
    condition = _term(Taxonomy.DEVICE_CONDITION, _("Condition"), field_name="condition")

    class Meta(RetirableFilterSet.Meta):
        model = Device
        fields = ["q", "site", "organization", "group", "condition", "retired"]

    def search(self, queryset, name, value):
        folded = fold(value)
        return queryset.filter(Q(search_text__contains=folded) | Q(site__search_text__contains=folded))


class LinkFilterSet(RetirableFilterSet):
    q = df.CharFilter(label=_("Search"), method="search")
    site = _hidden("site__code", _("Site code"))
    organization = _organization("site__organization")
    provider = _provider(field_name="provider")
    kind = _term(Taxonomy.LINK_KIND, _("Link kind"), field_name="kind")
    role = df.ChoiceFilter(label=_("Role"), empty_label=ALL, choices=LinkRole.choices)
    medium = df.ChoiceFilter(label=_("Medium"), empty_label=ALL, choices=LinkMedium.choices)
    wired = df.ChoiceFilter(label=_("Wired"), empty_label=ALL, method="wired_filter",
                            choices=[("yes", _("Wired")), ("no", _("Not wired"))])

    class Meta(RetirableFilterSet.Meta):
        model = Link
        fields = ["q", "site", "organization", "provider", "kind", "role", "medium", "wired", "retired"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(site__search_text__contains=fold(value)) | Q(circuit_id__icontains=value))

    def wired_filter(self, queryset, name, value):
        wired = Q(medium__in=LinkMedium.wired())
        return queryset.filter(wired) if value == "yes" else queryset.exclude(wired)


class OrganizationFilterSet(ListFilterSet):
    q = df.CharFilter(label=_("Search"), method="search")
    kind = _term(Taxonomy.ORGANIZATION_KIND, _("Kind"), field_name="kind")

    class Meta(ListFilterSet.Meta):
        model = Organization
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(search_text__contains=fold(value))
