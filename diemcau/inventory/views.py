"""Pages of the inventory: lists, the site page, and the forms that change them."""

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from diemcau.core.exports import export_response
from diemcau.core.history import history_for, snapshot
from diemcau.core.listing import (
    page_columns,
    paginate,
    sort_queryset,
    wants_export,
)
from diemcau.core.models import ChangeRecord
from diemcau.core.panels import overview_panels, site_panels
from diemcau.core.replica import using_replica
from diemcau.core.scope import allowed, get_for_user, scope
from diemcau.inventory import access
from diemcau.inventory.choices import ContactRole, LinkRole
from diemcau.inventory.columns import (
    DEVICE_COLUMNS,
    LINK_COLUMNS,
    ORGANIZATION_COLUMNS,
    SITE_COLUMNS,
)
from diemcau.inventory.filters import (
    DeviceFilterSet,
    LinkFilterSet,
    OrganizationFilterSet,
    SiteFilterSet,
    decorate_sites,
)
from diemcau.inventory.forms import ContactForm, DeviceForm, LinkForm, SiteForm
from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term
from diemcau.inventory.services import (
    inventory_object_restore,
    inventory_object_retire,
    inventory_object_save,
)
from diemcau.lib.collation import vi_key, vi_order

# One object for its page or form, retired ones included (they can be restored).
DEVICES = Device.objects.select_related("site", "site__organization", "group", "condition")
LINKS = Link.objects.select_related("site", "site__organization", "provider", "kind")
CONTACTS = Contact.objects.select_related("site", "site__organization")


# What the audit log calls each list's export.
LIST_NAMES = {"to-chuc": gettext_lazy("Organisations"), "diem-cau": gettext_lazy("Sites"),
              "thiet-bi": gettext_lazy("Devices"), "duong-truyen": gettext_lazy("Links")}


def _list_page(request, *, filterset, columns, default_sort, template, filename, extra=None):
    """Filter (the same FilterSet as the API), sort, then either export every row or render one page."""
    qs, sort = sort_queryset(filterset.qs, request, columns, default_sort)
    fmt = wants_export(request)
    if fmt:
        rows = qs[: settings.EXPORT_MAX_ROWS].iterator(chunk_size=2000)
        return export_response(fmt, filename, columns, rows, sheet_title=filename, request=request,
                               what=LIST_NAMES.get(filename, filename))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "page": paginate(request, qs),
        "filter": filterset.form,
        "columns": page_columns(columns),
        "sort": sort,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
    }
    context.update(extra or {})
    return render(request, template, context)


# The province overview ---------------------------------------------------------

GAP_LIST_LENGTH = 50


@login_required
@using_replica
def overview(request):
    """The province overview: counts of the sites the user can see, the gaps that need someone's attention,
    and every app's panel."""
    sites = access.sites_for_user(request.user)
    active_links = Link.objects.active()
    primary = active_links.filter(site=OuterRef("pk"), role=LinkRole.PRIMARY)
    sites = sites.annotate(
        has_contact=Exists(Contact.objects.active().filter(site=OuterRef("pk"), role=ContactRole.PRIMARY)),
        has_backup=Exists(active_links.filter(site=OuterRef("pk"), role=LinkRole.BACKUP)),
    )
    total = sites.count()
    by_kind = list(
        sites.values("organization__kind__name_vi", "organization__kind__name_en", "organization__kind__code")
        .annotate(n=Count("pk")).order_by("-n")
    )
    by_link = list(
        Link.objects.active().filter(role=LinkRole.PRIMARY, site__in=sites.values("pk"))
        .values("kind__name_vi", "kind__name_en", "kind__code", "provider__name", "provider__code")
        .annotate(n=Count("pk")).order_by("-n")
    )
    no_primary = sites.exclude(Exists(primary)).count()
    conditions = {t.pk: t for t in Term.objects.filter(taxonomy="device_condition")}
    by_condition = [
        {"term": conditions.get(row["condition_id"]), "n": row["n"]}
        for row in Device.objects.active().filter(site__in=sites.values("pk"))
        .values("condition_id").annotate(n=Count("pk")).order_by("condition__position")
    ]
    # The cards give the counts; the lists name the first sites, with a link to all of them.
    no_contact = sites.filter(has_contact=False).select_related("organization").order_by(
        vi_order("organization__name"), "code")
    no_backup = sites.filter(has_backup=False).select_related("organization").order_by(
        vi_order("organization__name"), "code")
    return render(request, "inventory/overview.html", {
        "total": total,
        "by_kind": by_kind,
        "by_link": by_link,
        "no_primary": no_primary,
        "by_condition": by_condition,
        "device_total": sum(row["n"] for row in by_condition),
        "no_contact": no_contact[:GAP_LIST_LENGTH],
        "no_backup": no_backup[:GAP_LIST_LENGTH],
        "no_contact_count": no_contact.count(),
        "no_backup_count": no_backup.count(),
        "panels": overview_panels(request),
    })


# Organisations ---------------------------------------------------------------

@login_required
def organization_list(request):
    visible_sites = access.sites_for_user(request.user)
    qs = scope(Organization.objects.filter(is_active=True), request.user).select_related("kind").annotate(
        site_count=Count("sites", filter=Q(sites__in=visible_sites)),
    )
    return _list_page(
        request, filterset=OrganizationFilterSet(request.GET or None, queryset=qs), columns=ORGANIZATION_COLUMNS,
        default_sort="name", template="inventory/organization_list.html", filename="to-chuc",
    )


@login_required
def organization_detail(request, pk):
    org = get_for_user(Organization.objects.filter(is_active=True).select_related("kind"), request.user, pk)
    sites = decorate_sites(access.sites_for_user(request.user).filter(organization=org)).order_by("code")
    users = org.users.filter(is_active=True).order_by("role", "username") \
        if allowed(request.user, org, "members") else []
    return render(request, "inventory/organization_detail.html", {
        "org": org, "sites": sites, "users": users,
        "can_add_site": access.organizations_where_user_adds_sites(request.user).filter(pk=org.pk).exists(),
    })


# Sites -------------------------------------------------------------------------

@login_required
@using_replica
def site_list(request):
    filterset = SiteFilterSet(request.GET or None, queryset=decorate_sites(scope(Site.objects.all(), request.user)))
    return _list_page(
        request, filterset=filterset, columns=SITE_COLUMNS, default_sort="organization__name",
        template="inventory/site_list.html", filename="diem-cau",
        extra={"can_add": access.organizations_where_user_adds_sites(request.user).exists()},
    )


@login_required
def site_detail(request, pk):
    site = access.site_for_user(request.user, pk)
    devices = list(
        site.devices.active().select_related("group", "condition").order_by("group__position", "manufacturer", "model")
    )
    device_groups = [(group, list(items)) for group, items in groupby(devices, key=lambda d: d.group)]
    present = {group.pk for group, _items in device_groups}
    missing_groups = Term.objects.filter(taxonomy="device_group", is_active=True).exclude(pk__in=present)
    # Primary first: "primary" sorts after "backup"/"deputy" alphabetically, so sort in Python.
    links = sorted(site.links.active().select_related("provider", "kind"), key=lambda x: (x.role != "primary", x.pk))
    contacts = sorted(site.contacts.active(), key=lambda c: (c.role != "primary", vi_key(c.full_name)))
    history = ChangeRecord.objects.filter(site=site).select_related("user", "content_type")[:50]
    return render(request, "inventory/site_detail.html", {
        "site": site,
        "device_groups": device_groups,
        "device_count": len(devices),
        "missing_groups": missing_groups,
        "links": links,
        "contacts": contacts,
        "history": history,
        "can_change": allowed(request.user, site, "change"),
        "can_add_link": access.can_add_link(request.user, site),
        "changeable_link_ids": {link.pk for link in links if allowed(request.user, link, "change")},
        "panels": site_panels(request, site),
    })


def _save_form(request, form, *, before, success_message):
    obj = form.save(commit=False)
    try:
        inventory_object_save(obj, user=request.user, before=before)
    except ValidationError as exc:  # a rule checked on save lands on its field
        form._update_errors(exc)
        return None
    messages.success(request, success_message)
    return obj


@login_required
def site_edit(request, pk=None):
    organizations = access.organizations_where_user_adds_sites(request.user)
    if pk:
        site = access.site_for_user(request.user, pk, change=True)
        before = snapshot(site)
    else:
        if not organizations.exists():
            raise PermissionDenied
        site, before = Site(), None
        if request.user.is_unit_user:
            site.organization_id = request.user.organization_id
        elif request.GET.get("organization"):
            site.organization = organizations.filter(pk=request.GET["organization"]).first()
    form = SiteForm(request.POST or None, instance=site, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        saved = _save_form(request, form, before=before, success_message=_("The site was saved."))
        if saved:
            return redirect(saved)
    return render(request, "inventory/form.html", {
        "form": form, "object": site if pk else None, "site": site if pk else None,
        "title": _("Edit site") if pk else _("New site"),
        "cancel_url": site.get_absolute_url() if pk else "inventory:sites",
    })


def _toggle_retired(request, obj, *, restored: str, retired: str):
    """Retire a live object or restore a retired one, and say which happened."""
    if obj.is_retired:
        inventory_object_restore(obj, user=request.user)
        messages.success(request, restored)
    else:
        notices = inventory_object_retire(obj, user=request.user)
        messages.success(request, retired)
        for notice in notices:
            messages.warning(request, notice)


@login_required
@require_POST
def site_retire(request, pk):
    site = access.site_for_user(request.user, pk, change=True)
    _toggle_retired(request, site, restored=_("The site was restored."),
                    retired=_("The site was retired with its devices, links and contacts."))
    return redirect(site)


# Devices -------------------------------------------------------------------------

@login_required
@using_replica
def device_list(request):
    qs = scope(Device.objects.all(), request.user).select_related("site", "site__organization", "group", "condition")
    return _list_page(
        request, filterset=DeviceFilterSet(request.GET or None, queryset=qs), columns=DEVICE_COLUMNS, default_sort="site__code",
        template="inventory/device_list.html", filename="thiet-bi",
    )


@login_required
def device_detail(request, pk):
    device = get_for_user(DEVICES, request.user, pk)
    return render(request, "inventory/device_detail.html", {
        "device": device, "site": device.site, "history": history_for(device)[:50],
        "can_change": allowed(request.user, device, "change"),
    })


@login_required
def device_edit(request, pk=None, site_pk=None):
    if pk:
        device = get_for_user(DEVICES, request.user, pk, "change")
        site, before = device.site, snapshot(device)
    else:
        site = access.site_for_user(request.user, site_pk, change=True, include_retired=False)
        device, before = Device(site=site), None
        device.condition = Term.objects.filter(taxonomy="device_condition", code="unknown").first()
    form = DeviceForm(request.POST or None, instance=device)
    if request.method == "POST" and form.is_valid():
        saved = _save_form(request, form, before=before, success_message=_("The device was saved."))
        if saved:
            return redirect(saved.get_absolute_url() if pk else site.get_absolute_url() + "#devices")
    return render(request, "inventory/form.html", {
        "form": form, "object": device if pk else None, "site": site,
        "title": _("Edit device") if pk else _("New device"),
        "cancel_url": device.get_absolute_url() if pk else site.get_absolute_url(),
    })


@login_required
@require_POST
def device_retire(request, pk):
    device = get_for_user(DEVICES, request.user, pk, "change")
    _toggle_retired(request, device, restored=_("The device was restored."), retired=_("The device was retired."))
    return redirect(device)


# Links ---------------------------------------------------------------------------

@login_required
def link_list(request):
    qs = scope(Link.objects.all(), request.user).select_related("site", "site__organization", "provider", "kind")
    return _list_page(
        request, filterset=LinkFilterSet(request.GET or None, queryset=qs), columns=LINK_COLUMNS, default_sort="site__code",
        template="inventory/link_list.html", filename="duong-truyen",
    )


@login_required
def link_edit(request, pk=None, site_pk=None):
    operator = request.user.organization if request.user.is_operator else None
    if pk:
        link = get_for_user(LINKS, request.user, pk, "change")
        site, before = link.site, snapshot(link)
    else:
        site = access.site_for_user(request.user, site_pk, include_retired=False)
        if not access.can_add_link(request.user, site):
            raise PermissionDenied
        link, before = Link(site=site), None
        if operator:
            link.provider = operator
    return _site_part_form(request, LinkForm(request.POST or None, instance=link, operator=operator), site=site,
                           before=before, anchor="#links", saved=_("The link was saved."),
                           title=_("Edit link") if pk else _("New link"))


def _site_part_form(request, form, *, site, before, anchor: str, saved: str, title: str):
    """The edit page of a link or a contact: saved, back to its part of the site's page; its history when editing."""
    if request.method == "POST" and form.is_valid() and _save_form(request, form, before=before,
                                                                    success_message=saved):
        return redirect(site.get_absolute_url() + anchor)
    editing = before is not None
    return render(request, "inventory/form.html", {
        "form": form, "object": form.instance if editing else None, "site": site, "title": title,
        "history": history_for(form.instance)[:30] if editing else None, "cancel_url": site.get_absolute_url(),
    })


@login_required
@require_POST
def link_retire(request, pk):
    link = get_for_user(LINKS, request.user, pk, "change")
    _toggle_retired(request, link, restored=_("The link was updated."), retired=_("The link was updated."))
    return redirect(link.site.get_absolute_url() + "#links")


# Contacts --------------------------------------------------------------------------

@login_required
def contact_edit(request, pk=None, site_pk=None):
    if pk:
        contact = get_for_user(CONTACTS, request.user, pk, "change")
        site, before = contact.site, snapshot(contact)
    else:
        site = access.site_for_user(request.user, site_pk, change=True, include_retired=False)
        contact, before = Contact(site=site), None
    return _site_part_form(request, ContactForm(request.POST or None, instance=contact, site=site), site=site,
                           before=before, anchor="#contacts", saved=_("The contact was saved."),
                           title=_("Edit technical contact") if pk else _("New technical contact"))


@login_required
@require_POST
def contact_retire(request, pk):
    contact = get_for_user(CONTACTS, request.user, pk, "change")
    inventory_object_retire(contact, user=request.user)
    messages.success(request, _("The contact was removed from the site."))
    return redirect(contact.site.get_absolute_url() + "#contacts")
