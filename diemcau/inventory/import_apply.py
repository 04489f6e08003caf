"""Matching parsed rows to what exists, checking them, and writing them in bulk: all or nothing.

The steps, in order (``apply``):

1. **Plan** each sheet, sites first. Every row becomes an object: the one it
   matches, with the row's values assigned, or a new one. Sites are matched
   by code, devices by serial (without serial: site + group + manufacturer +
   model and the row's order among such rows, oldest device first), links
   by circuit id, else site + role + provider + kind, else provider + kind,
   contacts by site + phone. A column missing from the sheet leaves that
   field alone; nothing is retired.
2. **Check** every object with the model's own ``full_clean()`` (the rules
   forms and the API use), plus the rules that span rows: a code, serial or
   phone twice in the file, two primary links or contacts for a site once
   the file is applied. A row of a site whose own row has an error is still
   checked, against a stand-in of its site, so every error in the file is
   listed at once.
3. **Write**, only when the whole file is good and this is not a dry run:
   in one transaction, sites and devices in bulk (``bulk_create`` /
   ``bulk_update``), links and contacts one by one in an order that keeps
   "one primary" true at every step, and the history rows in bulk
   (``via=import``). A dry run writes nothing and reports exactly what the
   real run will do.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.core.history import change_record, diff, snapshot
from diemcau.core.models import ChangeAction, ChangeRecord, ChangeVia
from diemcau.inventory import access
from diemcau.inventory.choices import ContactRole, LinkRole, Taxonomy
from diemcau.inventory.import_format import (
    CONTACTS,
    DEVICES,
    ERRORS_SHOWN,
    LINKS,
    SITES,
    Change,
    ImportContext,
    phone_key,
)
from diemcau.inventory.import_read import BAD, ParsedRow, ParsedSheet
from diemcau.inventory.models import Contact, Device, Link, Organization, Site
from diemcau.lib.text import fold

# Foreign keys are resolved from loaded rows, so full_clean() skips their per-row queries.
FK_FIELDS = ["site", "group", "condition", "kind", "provider", "organization"]
BATCH = 500


@dataclass
class Plan:
    """One row to write: its object, the values before (None for a new object) and what changes."""

    sheet: ParsedSheet
    row: ParsedRow
    obj: Model
    before: dict | None
    changes: dict | None
    site: Site


class Rollback(Exception):
    """Leave the transaction: the database refused a row (reported)."""


def apply(ctx: ImportContext, sheets: list[ParsedSheet], *, dry_run: bool) -> None:
    """Plan and check every sheet; write everything when the file has no error and this is a real run."""
    run = _Run(ctx, sheets)
    run.plan()
    if ctx.result.errors or dry_run:
        return
    try:
        with transaction.atomic():
            run.write()
    except Rollback:
        return
    ctx.result.applied = True


class _Run:
    def __init__(self, ctx: ImportContext, sheets: list[ParsedSheet]):
        self.ctx, self.result = ctx, ctx.result
        self.sheets = {s.spec.key: s for s in sheets}
        self.total = sum(len(s.rows) for s in sheets)
        self.done = 0
        self.file_sites = {}     # code -> Site (existing or new) that rows of other sheets hang on
        self.failed_sites = {}   # code -> an unsaved stand-in: rows of a site with an error are still checked
        self.plans = defaultdict(list)

    # 1. plan and check ----------------------------------------------------------------

    def plan(self):
        self.db_sites = self._load_sites()
        for key, step in (("sites", self._plan_sites), ("devices", self._plan_devices),
                          ("links", self._plan_links), ("contacts", self._plan_contacts)):
            if key in self.sheets:
                step(self.sheets[key])

    def _load_sites(self) -> dict:
        codes = set()
        for sheet in self.sheets.values():
            key = "code" if sheet.spec is SITES else "site"
            codes |= {r.values.get(key) for r in sheet.rows}
        codes -= {None, BAD}
        # Codes are compared in capitals: "x-14-01" in a file is the site X-14-01.
        return {s.code.upper(): s for s in Site.objects.annotate(upper_code=Upper("code")).filter(
            upper_code__in=codes).select_related("organization")}

    def _tick(self):
        self.done += 1
        if self.done % 250 == 0 or self.done == self.total:
            self.ctx.progress(self.done, self.total)

    def _plan_sites(self, sheet: ParsedSheet):
        fields = [c.key for c in SITES.columns if c.key != "code"]
        first_row = {}
        for row in sheet.rows:
            self._tick()
            code = row.values.get("code")
            if code and code is not BAD and code in first_row:
                sheet.error(self.ctx, row.number, "code", _("Site code %(code)s already appears on row %(row)s.")
                            % {"code": code, "row": first_row[code]})
                continue
            if code and code is not BAD:
                first_row[code] = row.number
            org = self._organization_of(sheet, row)
            if not self._required(sheet, row, ["code", "name"]) or org is BAD:
                self._fail_site(code, org)
                continue
            if not self._org_allowed(org):
                sheet.error(self.ctx, row.number, "organization", _(
                    "You may import only the sites of your own organisation, not of %(org)s.") % {"org": org.code})
                self._fail_site(code, org)
                continue
            site = self.db_sites.get(code)
            if site is not None and (not self._may_change(site) or site.retired_at is not None):
                message = (_("Site %(code)s was retired; restore it on its page before importing it.")
                           if site.retired_at is not None and self._may_change(site)
                           else _("Site code %(code)s is already used by another organisation; choose another code."))
                sheet.error(self.ctx, row.number, "code", message % {"code": code})
                self._fail_site(code, org)
                continue
            before = snapshot(site) if site is not None else None
            site = site or Site(code=code)
            _assign(site, row, fields)
            if self._check(sheet, row, site, before=before, site_key="code", site=site):
                self.file_sites[code] = site
            else:
                self._fail_site(code, org)

    def _organization_of(self, sheet: ParsedSheet, row: ParsedRow):
        org = row.values.get("organization")
        if org is None:
            org = self.ctx.organization or (self.ctx.user.organization if self.ctx.user and self.ctx.user.is_unit_user
                                            else None)
            if org is None:
                sheet.error(self.ctx, row.number, "organization", _("This cell is required."))
                org = BAD
            row.values["organization"] = org
        return org

    def _fail_site(self, code, org):
        if code and code is not BAD:
            stand_in = Site(code=code)
            if isinstance(org, Organization):
                stand_in.organization = org
            self.failed_sites[code] = stand_in

    def _plan_devices(self, sheet: ParsedSheet):
        serials = {r.values.get("serial") for r in sheet.rows} - {None, "", BAD}
        by_serial = {d.serial: d for d in Device.objects.filter(serial__in=serials).select_related(
            "site", "group", "condition")}
        unnamed = defaultdict(list)
        for device in Device.objects.active().filter(site_id__in=self._known_site_ids(), serial="").select_related(
                "site", "group", "condition").order_by("pk"):
            unnamed[(device.site_id, device.group_id, fold(device.manufacturer), fold(device.model))].append(device)
        seen_serial, occurrences = {}, Counter()
        unknown = self.ctx.terms[Taxonomy.DEVICE_CONDITION].get("unknown")
        fields = [c.key for c in DEVICES.columns if c.key != "site"]
        for row in sheet.rows:
            self._tick()
            serial = row.values.get("serial") or ""
            if serial and serial is not BAD:
                if serial in seen_serial:
                    sheet.error(self.ctx, row.number, "serial", _("Serial %(serial)s also appears on row %(row)s.")
                                % {"serial": serial, "row": seen_serial[serial]})
                    continue
                seen_serial[serial] = row.number
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["group"]) or serial is BAD:
                continue
            device = None
            if serial:
                device = by_serial.get(serial)
                if device is not None and (device.site_id != site.pk or device.retired_at is not None):
                    sheet.error(self.ctx, row.number, "serial", _(
                        "Serial %(serial)s is already recorded at site %(site)s.") % {
                            "serial": serial, "site": device.site.code})
                    continue
            elif site.pk:
                key = (site.pk, row.values["group"].pk, fold(row.values.get("manufacturer")),
                       fold(row.values.get("model")))
                index = occurrences[key]
                occurrences[key] += 1
                if index < len(unnamed[key]):
                    device = unnamed[key][index]
            before = snapshot(device) if device is not None else None
            device = device or Device(site=site)
            _assign(device, row, fields)
            if device.condition_id is None:
                device.condition = unknown
            device.site = site
            self._check(sheet, row, device, before=before, site_key="site", site=site)

    def _plan_links(self, sheet: ParsedSheet):
        existing = defaultdict(list)
        for link in Link.objects.active().filter(site_id__in=self._known_site_ids()).select_related(
                "site", "provider", "provider__kind", "kind").order_by("pk"):
            existing[link.site_id].append(link)
        planned, seen = [], {}
        fields = [c.key for c in LINKS.columns if c.key != "site"]
        for row in sheet.rows:
            self._tick()
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["role", "kind", "medium"]):
                continue
            values = row.values
            if values.get("provider") is BAD:
                continue
            provider = values.get("provider")
            circuit = values.get("circuit_id") or ""
            key = (site.code, "circuit", circuit) if circuit else (
                site.code, values["role"], provider.pk if provider else None, values["kind"].pk)
            if key in seen:
                sheet.error(self.ctx, row.number, "site", _("This link repeats row %(row)s.") % {"row": seen[key]})
                continue
            seen[key] = row.number
            planned.append([row, None, site])
        # Three passes, strictest first, so a loose match never takes a link a stricter one names.
        for strictness in ("circuit", "role", "any"):
            for plan in planned:
                if plan[1] is None and plan[2].pk:
                    plan[1] = _match_link(existing.get(plan[2].pk, []), plan[0].values, strictness)
        self._check_one_primary(sheet, planned, existing, LinkRole.PRIMARY, _(
            "Site %(code)s has two primary links in this file (rows %(first)s and %(row)s); "
            "make one of them a backup."), _(
            "This site already has an active primary link; retire it or make this one a backup."))
        for row, link, site in planned:
            before = snapshot(link) if link is not None else None
            link = link or Link(site=site)
            _assign(link, row, fields)
            link.site = site
            self._check(sheet, row, link, before=before, site_key="site", site=site)

    def _plan_contacts(self, sheet: ParsedSheet):
        existing = defaultdict(list)
        by_phone = {}
        for contact in Contact.objects.active().filter(site_id__in=self._known_site_ids()).select_related("site"):
            existing[contact.site_id].append(contact)
            by_phone.setdefault((contact.site_id, phone_key(contact.phone)), contact)
        planned, seen = [], {}
        fields = [c.key for c in CONTACTS.columns if c.key != "site"]
        for row in sheet.rows:
            self._tick()
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["role", "full_name", "phone"]):
                continue
            phone = phone_key(row.values["phone"])
            if (site.code, phone) in seen:
                sheet.error(self.ctx, row.number, "phone", _(
                    "Phone %(phone)s of site %(code)s also appears on row %(row)s.") % {
                        "phone": row.values["phone"], "code": site.code, "row": seen[(site.code, phone)]})
                continue
            seen[(site.code, phone)] = row.number
            planned.append([row, by_phone.get((site.pk, phone)) if site.pk else None, site])
        self._check_one_primary(sheet, planned, existing, ContactRole.PRIMARY, _(
            "Site %(code)s has two primary contacts in this file (rows %(first)s and %(row)s); "
            "make one of them a deputy."), _(
            "This site already has a primary contact; make this one a deputy or retire the other."))
        for row, contact, site in planned:
            before = snapshot(contact) if contact is not None else None
            contact = contact or Contact(site=site)
            _assign(contact, row, fields)
            contact.site = site
            self._check(sheet, row, contact, before=before, site_key="site", site=site)

    def _check_one_primary(self, sheet: ParsedSheet, planned: list, existing: dict, primary: str,
                           twice_in_file, already_recorded):
        """At most one primary per site once the file is applied: the rows' roles, and the untouched ones'."""
        matched = {id(p[1]) for p in planned if p[1] is not None}
        first = {}
        for plan in sorted(planned, key=lambda p: p[0].number):
            row, site = plan[0], plan[2]
            if row.values.get("role") != primary:
                continue
            if site.code in first:
                message = twice_in_file
            elif site.pk and any(id(o) not in matched and o.role == primary for o in existing.get(site.pk, [])):
                message = already_recorded
            else:
                first[site.code] = row.number
                continue
            sheet.error(self.ctx, row.number, "role", message % {
                "code": site.code, "first": first.get(site.code), "row": row.number})
            planned.remove(plan)

    # shared steps ---------------------------------------------------------------------

    def _known_site_ids(self) -> set:
        return {s.pk for s in (*self.db_sites.values(), *self.file_sites.values()) if s.pk}

    def _may_change(self, site: Site) -> bool:
        return self.ctx.user is None or access.can_change_site(self.ctx.user, site)

    def _org_allowed(self, org: Organization) -> bool:
        if self.ctx.organization is not None and org.pk != self.ctx.organization.pk:
            return False
        return self.ctx.allowed_org_ids is None or org.pk in self.ctx.allowed_org_ids

    def _site_for(self, sheet: ParsedSheet, row: ParsedRow) -> Site | None:
        """The site a device, link or contact row names (a stand-in when the site's row has an error)."""
        code = row.values.get("site")
        if code is BAD:
            return None
        if not code:
            sheet.error(self.ctx, row.number, "site", _("The site code is required."))
            return None
        if code in self.failed_sites:
            return self.failed_sites[code]  # its own row carries the error; this row is still checked
        if code in self.file_sites:
            return self.file_sites[code]
        site = self.db_sites.get(code)
        if site is not None and site.retired_at is None and self._may_change(site) and (
                self.ctx.organization is None or site.organization_id == self.ctx.organization.pk):
            return site
        sheet.error(self.ctx, row.number, "site", _(
            "Site %(code)s is neither in the sheet 'Điểm cầu' of this file nor among the sites you may change.")
            % {"code": code})
        return None

    def _required(self, sheet: ParsedSheet, row: ParsedRow, keys) -> bool:
        ok = True
        for key in keys:
            if key in row.values and row.values[key] in (None, "", []):
                sheet.error(self.ctx, row.number, key, _("This cell is required."))
                ok = False
            elif row.values.get(key) is BAD:
                ok = False
        return ok

    def _check(self, sheet: ParsedSheet, row: ParsedRow, obj, *, before, site_key: str, site: Site) -> bool:
        """Validate with the model's own rules; count and plan the write, or report why not."""
        changes = diff(before, snapshot(obj)) if before is not None else None
        if before is not None and not changes:
            self._count(sheet, "unchanged")
            return True
        exclude = [f for f in FK_FIELDS if hasattr(obj, f + "_id")]
        serial = obj.serial if isinstance(obj, Device) else None
        if isinstance(obj, Device):
            exclude.append("serial")  # checked for the whole file in one query (``_plan_devices``)
        try:
            if serial:
                Device._meta.get_field("serial").run_validators(serial)
                obj.serial = ""
            try:
                obj.full_clean(exclude=exclude)
            finally:
                if serial:
                    obj.serial = serial
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                exc = ValidationError({"serial": exc.messages})
            errors = exc.message_dict
            if isinstance(obj, Link | Contact):
                # "One primary" is judged for the file as applied (``_check_one_primary``), not against
                # the rows as they are now: a file may swap the primary and the backup.
                errors.pop("role", None)
                if not errors:
                    return self._planned(sheet, row, obj, before, changes, site, site_key)
            for name, messages in errors.items():
                key = name if any(c.key == name for c in sheet.spec.columns) and name in row.letters else site_key
                for message in messages:
                    sheet.error(self.ctx, row.number, key, message)
            return False
        return self._planned(sheet, row, obj, before, changes, site, site_key)

    def _planned(self, sheet, row, obj, before, changes, site, site_key) -> bool:
        if site.code in self.failed_sites and site_key != "code":
            return True  # checked; never written (the file has an error)
        self._count(sheet, "created" if before is None else "updated")
        if changes and len(self.result.changes) < ERRORS_SHOWN:
            labels = {str(obj._meta.get_field(name).verbose_name): pair for name, pair in changes.items()}
            self.result.changes.append(Change(sheet.title, row.number, str(obj), labels))
        self.plans[sheet.spec.key].append(Plan(sheet, row, obj, before, changes, site))
        return True

    def _count(self, sheet: ParsedSheet, status: str):
        self.result.counts.setdefault(sheet.title, Counter())[status] += 1

    # 3. write -------------------------------------------------------------------------

    def write(self):
        now = timezone.now()
        _bulk_write(Site, self.plans["sites"], now)
        _bulk_write(Device, self.plans["devices"], now)
        # Demotions to backup first, then promotions, then new rows: a file may swap the primary.
        for key, primary in (("links", LinkRole.PRIMARY), ("contacts", ContactRole.PRIMARY)):
            plans = sorted(self.plans[key], key=lambda p: (p.obj.role == primary, p.before is None, p.row.number))
            for plan in plans:
                self._save_one(plan, now)
        self._write_history()

    def _save_one(self, plan: Plan, now):
        obj = plan.obj
        obj.updated_at = now
        try:
            if plan.before is None:
                obj.save()
            else:
                obj.save(update_fields=[*_changed_fields(obj, plan.changes), "updated_at"])
        except DatabaseError as exc:
            plan.sheet.error(self.ctx, plan.row.number, "site", _("The database refused this row: %(reason)s")
                             % {"reason": exc})
            raise Rollback from exc

    def _write_history(self):
        # The history rows of one import go in bulk (one INSERT per thousand), like the rows they describe.
        records = []
        for key in ("sites", "devices", "links", "contacts"):
            for plan in self.plans[key]:
                record = change_record(plan.obj, user=self.ctx.user, before=plan.before, via=ChangeVia.IMPORT,
                                       site=plan.site, action=ChangeAction.CREATE if plan.before is None
                                       else ChangeAction.UPDATE)
                if record is not None:
                    records.append(record)
        ChangeRecord.objects.bulk_create(records, batch_size=1000)


def _assign(obj, row: ParsedRow, keys):
    for key in keys:
        if key in row.values and row.values[key] is not BAD:
            value = row.values[key]
            model_field = obj._meta.get_field(key)
            if value is None and not model_field.null and not model_field.is_relation:
                value = model_field.get_default() if key in ("quantity", "is_hub") else ""
            setattr(obj, key, value)


def _match_link(candidates: list, values: dict, strictness: str) -> Link | None:
    """A link of the site named by circuit id; else by role, provider and kind; else by provider and kind.

    The last pass lets a file swap the roles of a site's two links.
    """
    circuit = values.get("circuit_id") or ""
    provider_id = values["provider"].pk if values.get("provider") else None
    if strictness == "circuit":
        same = [c for c in candidates if circuit and c.circuit_id == circuit]
    else:
        same = [c for c in candidates if (c.provider_id, c.kind_id) == (provider_id, values["kind"].pk)
                and (strictness == "any" or c.role == values["role"]) and (not circuit or not c.circuit_id)]
    if same:
        candidates.remove(same[0])
        return same[0]
    return None


def _changed_fields(obj, changes: dict) -> list[str]:
    return [f.name for f in obj._meta.concrete_fields if f.name in changes]


def _bulk_write(model, plans: list[Plan], now):
    """New rows with ``bulk_create``, changed rows with ``bulk_update`` grouped by the fields they change."""
    new, changed = [], defaultdict(list)
    for plan in plans:
        obj = plan.obj
        obj.updated_at = now
        obj.set_search_text()
        if plan.before is None:
            new.append(obj)
        else:
            changed[tuple(_changed_fields(obj, plan.changes))].append(obj)
    model.objects.bulk_create(new, batch_size=BATCH)
    for fields, objs in changed.items():
        model.objects.bulk_update(objs, [*fields, "updated_at", "search_text"], batch_size=BATCH)
