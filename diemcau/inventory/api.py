"""JSON API for organisations, sites, devices and links (same access rules as the pages)."""

from datetime import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from diemcau.core.api_support import Pagination
from diemcau.core.filtering import api_filter
from diemcau.core.history import snapshot
from diemcau.core.models import ChangeVia
from diemcau.core.replica import using_replica
from diemcau.core.scope import allowed, get_for_user, scope
from diemcau.inventory import access
from diemcau.inventory.choices import LinkMedium, LinkRole, Resolution, Taxonomy
from diemcau.inventory.filters import DeviceFilterSet, LinkFilterSet, SiteFilterSet
from diemcau.inventory.models import Device, Link, Organization, Site, Term
from diemcau.inventory.services import inventory_object_retire, inventory_object_save

router = Router(tags=["inventory"])
prefix = "/"


class OrganizationOut(Schema):
    id: int
    code: str
    name: str
    kind: str = Field(..., alias="kind.code")


class SiteOut(Schema):
    id: int
    code: str
    name: str
    organization: str = Field(..., alias="organization.code")
    room: str
    address: str
    is_hub: bool
    seats: int | None
    meetings_per_month: int | None
    has_ups: bool | None
    ups_model: str
    ups_runtime_min: int | None
    backup_plan: str
    retired_at: datetime | None


# Inputs: a field left out of a PATCH is not touched; a field given must be of its type. Only what the
# model allows to be empty accepts null: `null` for a text or list answers 422, never a database error.

class SiteIn(Schema):
    organization: str = Field("", max_length=40)
    code: str = Field("", max_length=40)
    name: str = Field("", max_length=200)
    room: str = Field("", max_length=200)
    address: str = Field("", max_length=300)
    is_hub: bool = False
    seats: int | None = Field(None, ge=0, le=2000)
    meetings_per_month: int | None = Field(None, ge=0, le=200)
    has_ups: bool | None = None
    ups_model: str = Field("", max_length=120)
    ups_runtime_min: int | None = Field(None, ge=0, le=24 * 60)
    backup_plan: str = ""
    notes: str = ""


class SiteCreate(SiteIn):
    organization: str = Field(..., min_length=1, max_length=40)
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=200)


class DeviceOut(Schema):
    id: int
    site: str = Field(..., alias="site.code")
    group: str = Field(..., alias="group.code")
    manufacturer: str
    model: str
    serial: str
    firmware: str
    software: str
    year: int | None
    condition: str = Field(..., alias="condition.code")
    quantity: int
    protocols: list[str]
    video_codecs: list[str]
    audio_codecs: list[str]
    max_resolution: str
    retired_at: datetime | None


class DeviceIn(Schema):
    site: str = Field("", max_length=40)
    group: str = Field("", max_length=40)
    manufacturer: str = Field("", max_length=80)
    model: str = Field("", max_length=120)
    serial: str = Field("", max_length=80)
    firmware: str = Field("", max_length=80)
    software: str = Field("", max_length=120)
    year: int | None = Field(None, ge=1990, le=2100)
    condition: str = Field("", max_length=40)
    quantity: int = Field(1, ge=1, le=500)
    protocols: list[str] = []
    video_codecs: list[str] = []
    audio_codecs: list[str] = []
    max_resolution: Resolution | None = None
    notes: str = ""


class DeviceCreate(DeviceIn):
    site: str = Field(..., min_length=1, max_length=40)
    group: str = Field(..., min_length=1, max_length=40)


class LinkOut(Schema):
    id: int
    site: str = Field(..., alias="site.code")
    role: LinkRole
    provider: str | None = Field(None, alias="provider.code")
    kind: str = Field(..., alias="kind.code")
    medium: LinkMedium
    is_wired: bool
    down_mbps: Decimal | None
    up_mbps: Decimal | None
    circuit_id: str
    retired_at: datetime | None


class LinkIn(Schema):
    role: LinkRole = LinkRole.PRIMARY
    provider: str | None = Field(None, max_length=40)
    kind: str = Field("", max_length=40)
    medium: LinkMedium = LinkMedium.FIBRE
    down_mbps: Decimal | None = Field(None, ge=0, le=100000, max_digits=8, decimal_places=2)
    up_mbps: Decimal | None = Field(None, ge=0, le=100000, max_digits=8, decimal_places=2)
    circuit_id: str = Field("", max_length=80)
    notes: str = ""


class LinkCreate(LinkIn):
    kind: str = Field(..., min_length=1, max_length=40)
    medium: LinkMedium


# The query parameters of the lists (documented in the OpenAPI); each list filters through the same
# FilterSet as its page and export (inventory.filters), so "q" means the same everywhere.
class SiteFilters(Schema):
    q: str | None = Field(None, description="Name, code, address … of the site or its organisation")
    organization: str | None = Field(None, description="Organisation code")
    include_retired: bool = False


class DeviceFilters(Schema):
    q: str | None = None
    site: str | None = Field(None, description="Site code")
    group: str | None = Field(None, description="Device group code")
    condition: str | None = Field(None, description="Condition code")


class LinkFilters(Schema):
    site: str | None = Field(None, description="Site code")
    provider: str | None = Field(None, description="Operator code")


def _term(taxonomy: str, code: str, field: str) -> Term:
    term = Term.objects.filter(taxonomy=taxonomy, code=code).first()
    if term is None:
        raise HttpError(422, f"{field}: unknown code {code!r}")
    return term


# One object, retired ones included (they can be restored).
DEVICES = Device.objects.select_related("site", "site__organization", "group", "condition")
LINKS = Link.objects.select_related("site", "site__organization", "provider", "kind")


# Organisations -------------------------------------------------------------------

@router.get("/organizations", response=list[OrganizationOut])
@using_replica
@paginate(Pagination)
def list_organizations(request):
    return scope(Organization.objects.filter(is_active=True), request.user).select_related("kind").order_by("code")


@router.get("/organizations/{int:org_id}", response=OrganizationOut)
def get_organization(request, org_id: int):
    return get_for_user(Organization.objects.filter(is_active=True).select_related("kind"), request.user, org_id)


# Sites --------------------------------------------------------------------------------

@router.get("/sites", response=list[SiteOut])
@using_replica
@paginate(Pagination)
def list_sites(request, filters: Query[SiteFilters]):
    params = {"q": filters.q, "organization": filters.organization, "retired": filters.include_retired or None}
    qs = api_filter(SiteFilterSet, params, scope(Site.objects.all(), request.user).select_related("organization"))
    return qs.order_by("code")


@router.get("/sites/{int:site_id}", response=SiteOut)
def get_site(request, site_id: int):
    return access.site_for_user(request.user, site_id)


def _apply(obj, data: dict):
    for name, value in data.items():
        setattr(obj, name, value)


@router.post("/sites", response={201: SiteOut})
def create_site(request, payload: SiteCreate):
    data = payload.dict(exclude_unset=True)
    orgs = access.organizations_where_user_adds_sites(request.user)
    org = orgs.filter(code=data.pop("organization", None) or "").first()
    if org is None:
        raise HttpError(403 if not orgs.exists() else 422, "organization: not one you may add sites to")
    site = Site(organization=org)
    _apply(site, data)
    inventory_object_save(site, user=request.user, via=ChangeVia.API)
    return Status(201, site)


@router.patch("/sites/{int:site_id}", response=SiteOut)
def update_site(request, site_id: int, payload: SiteIn):
    site = access.site_for_user(request.user, site_id, change=True)
    before = snapshot(site)
    data = payload.dict(exclude_unset=True)
    if "organization" in data:
        org = access.organizations_where_user_adds_sites(request.user).filter(code=data.pop("organization")).first()
        if org is None:
            raise HttpError(422, "organization: not one you may move sites to")
        site.organization = org
    _apply(site, data)
    inventory_object_save(site, user=request.user, before=before, via=ChangeVia.API)
    return site


@router.delete("/sites/{int:site_id}", response={204: None})
def retire_site(request, site_id: int):
    site = access.site_for_user(request.user, site_id, change=True)
    if not site.is_retired:
        inventory_object_retire(site, user=request.user, via=ChangeVia.API)
    return Status(204, None)


# Devices -----------------------------------------------------------------------------

@router.get("/devices", response=list[DeviceOut])
@using_replica
@paginate(Pagination)
def list_devices(request, filters: Query[DeviceFilters]):
    qs = scope(Device.objects.all(), request.user).select_related("site", "group", "condition")
    return api_filter(DeviceFilterSet, filters.dict(), qs).order_by("site__code", "pk")


@router.get("/devices/{int:device_id}", response=DeviceOut)
def get_device(request, device_id: int):
    return get_for_user(DEVICES, request.user, device_id)


def _device_terms(data: dict) -> dict:
    if "group" in data:
        data["group"] = _term(Taxonomy.DEVICE_GROUP, data["group"], "group")
    if "condition" in data:
        data["condition"] = _term(Taxonomy.DEVICE_CONDITION, data["condition"], "condition")
    for name in ("manufacturer", "model", "serial", "firmware", "software", "notes", "max_resolution"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


@router.post("/devices", response={201: DeviceOut})
def create_device(request, payload: DeviceCreate):
    data = _device_terms(payload.dict(exclude_unset=True))
    site = access.sites_for_user(request.user).filter(code=data.pop("site", None) or "").first()
    if site is None:
        raise HttpError(404, "site: not found")
    if not allowed(request.user, site, "change"):
        raise HttpError(403, "You may not change this site.")
    device = Device(site=site)
    device.condition = data.pop("condition", None) or Term.objects.get(taxonomy=Taxonomy.DEVICE_CONDITION, code="unknown")
    if "group" not in data:
        raise HttpError(422, "group: required")
    _apply(device, data)
    inventory_object_save(device, user=request.user, via=ChangeVia.API)
    return Status(201, device)


@router.patch("/devices/{int:device_id}", response=DeviceOut)
def update_device(request, device_id: int, payload: DeviceIn):
    device = get_for_user(DEVICES, request.user, device_id, "change")
    before = snapshot(device)
    data = _device_terms(payload.dict(exclude_unset=True))
    if "site" in data:
        target = access.sites_for_user(request.user).filter(code=data.pop("site")).first()
        if target is None or not allowed(request.user, target, "change"):
            raise HttpError(422, "site: not one you may move devices to")
        device.site = target
    _apply(device, data)
    inventory_object_save(device, user=request.user, before=before, via=ChangeVia.API)
    return device


@router.delete("/devices/{int:device_id}", response={204: None})
def retire_device(request, device_id: int):
    device = get_for_user(DEVICES, request.user, device_id, "change")
    if not device.is_retired:
        inventory_object_retire(device, user=request.user, via=ChangeVia.API)
    return Status(204, None)


# Links ---------------------------------------------------------------------------------

@router.get("/links", response=list[LinkOut])
@using_replica
@paginate(Pagination)
def list_links(request, filters: Query[LinkFilters]):
    qs = scope(Link.objects.all(), request.user).select_related("site", "provider", "kind")
    return api_filter(LinkFilterSet, filters.dict(), qs).order_by("site__code", "pk")


@router.get("/links/{int:link_id}", response=LinkOut)
def get_link(request, link_id: int):
    return get_for_user(LINKS, request.user, link_id)


def _link_refs(request, data: dict) -> dict:
    if "kind" in data:
        data["kind"] = _term(Taxonomy.LINK_KIND, data["kind"], "kind")
    if "provider" in data:
        code = data["provider"]
        data["provider"] = get_object_or_404(Organization.objects.operators(), code=code) if code else None
        if request.user.is_operator and data["provider"] != request.user.organization:
            raise HttpError(403, "provider: an operator records only its own links")
    for name in ("circuit_id", "notes"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


@router.post("/sites/{int:site_id}/links", response={201: LinkOut})
def create_link(request, site_id: int, payload: LinkCreate):
    site = access.site_for_user(request.user, site_id, include_retired=False)
    if not access.can_add_link(request.user, site):
        raise HttpError(403, "You may not add links to this site.")
    data = _link_refs(request, payload.dict(exclude_unset=True))
    link = Link(site=site, provider=request.user.organization if request.user.is_operator else None)
    if "kind" not in data or "medium" not in data:
        raise HttpError(422, "kind, medium: required")
    _apply(link, data)
    inventory_object_save(link, user=request.user, via=ChangeVia.API)
    return Status(201, link)


@router.patch("/links/{int:link_id}", response=LinkOut)
def update_link(request, link_id: int, payload: LinkIn):
    link = get_for_user(LINKS, request.user, link_id, "change")
    before = snapshot(link)
    _apply(link, _link_refs(request, payload.dict(exclude_unset=True)))
    inventory_object_save(link, user=request.user, before=before, via=ChangeVia.API)
    return link


@router.delete("/links/{int:link_id}", response={204: None})
def retire_link(request, link_id: int):
    link = get_for_user(LINKS, request.user, link_id, "change")
    if not link.is_retired:
        inventory_object_retire(link, user=request.user, via=ChangeVia.API)
    return Status(204, None)
