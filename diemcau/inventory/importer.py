"""Import of a unit's inventory from the Excel template: all or nothing.

The file has four data sheets (``Điểm cầu``, ``Thiết bị``, ``Đường truyền``,
``Cán bộ kỹ thuật``) whose header row names the columns. Sheet names and
headers are a file format, not page text: they stay Vietnamese whatever the
interface language, and the English aliases are accepted too.

How a run goes:

1. ``read_workbook`` refuses what is not an .xlsx workbook (a CSV, an old
   .xls, UTF-16 text, a damaged zip) with a message saying what the file is.
2. Every cell is parsed into a Python value; a bad cell is one error with
   sheet, row (as Excel numbers it), column letter, header and reason.
3. Rows are matched to what exists, so a re-import changes nothing:
   sites by code, devices by serial, links by circuit id or
   site + role + provider + kind, contacts by site + phone. A device without
   serial is matched by site + group + manufacturer + model and its order
   among such rows of the file (the 2nd identical row is the 2nd such device,
   oldest first). A column missing from the sheet leaves that field alone.
4. Inside one transaction every object is validated by the model's own
   ``full_clean()`` (the rules forms and the API use), saved and its history
   recorded with ``via=import``. If any error was found anywhere, or for a dry
   run, the transaction is rolled back: a bad file changes nothing, and the
   summary of a dry run is exactly what the real run will do.

The import never retires anything: rows missing from the file stay as they
are (a unit may send only its devices sheet).
"""

import io
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from diemcau.core.history import diff, record_change, snapshot
from diemcau.core.models import ChangeAction, ChangeVia
from diemcau.inventory import access
from diemcau.inventory.choices import (
    ContactRole,
    LinkRole,
    Taxonomy,
)
from diemcau.inventory.import_format import (
    _FK_FIELDS,
    _HEADER_SEARCH_ROWS,
    CONTACTS,
    DEVICES,
    ERRORS_SHOWN,
    EXAMPLE_PREFIX,
    LINKS,
    SHEETS,
    SITES,
    CellError,
    Change,
    ImportResult,
    RowError,
    SheetSpec,
    _header_key,
    _phone_key,
    sniff,
)
from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term
from diemcau.lib.text import fold


@dataclass
class _Row:
    number: int
    values: dict        # column key -> parsed value (only columns present)
    letters: dict       # column key -> letter


@dataclass
class _Sheet:
    spec: SheetSpec
    title: str
    rows: list
    letters: dict


# The importer ----------------------------------------------------------------

class Importer:
    """One import run for one user (``None`` for the server's own command line)."""

    def __init__(self, *, user=None, organization: Organization | None = None, progress=None):
        self.user = user
        self.organization = organization
        self.progress = progress or (lambda done, total: None)
        self.result = ImportResult()
        self.terms, self.term_list = {}, {}
        for term in Term.objects.filter(is_active=True):
            lookup = self.terms.setdefault(term.taxonomy, {})
            for key in (term.code, term.name_vi, term.name_en):
                if key:
                    lookup.setdefault(fold(key), term)
            self.term_list.setdefault(term.taxonomy, []).append(term)
        self.organizations = {}
        for org in Organization.objects.filter(is_active=True).select_related("kind"):
            self.organizations[fold(org.code)] = org
            self.organizations.setdefault(fold(org.name), org)
        if user is not None:
            self.allowed_org_ids = set(access.organizations_where_user_adds_sites(user).values_list("pk", flat=True))
        else:
            self.allowed_org_ids = None  # the command line without --user: the whole province

    # errors ------------------------------------------------------------------

    def error(self, sheet: _Sheet | SheetSpec, row, key_or_letter, message, *, header=None):
        spec = sheet.spec if isinstance(sheet, _Sheet) else sheet
        title = sheet.title if isinstance(sheet, _Sheet) else sheet.title
        if header is None and key_or_letter:
            header = spec.column(key_or_letter).header
            letters = sheet.letters if isinstance(sheet, _Sheet) else {}
            letter = letters.get(key_or_letter, "—")
        else:
            letter = key_or_letter or "—"
        self.result.errors.append(RowError(title, row, letter, header or "—", str(message)))

    # reading -----------------------------------------------------------------

    def read(self, data: bytes) -> list[_Sheet]:
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for broken parts
            self.result.file_errors.append(RowError("—", None, "—", "—", _(
                "The file is damaged (the workbook cannot be read). Save it again from Excel.")))
            return []
        by_name = {}
        for spec in SHEETS:
            for name in (spec.title, *spec.aliases):
                by_name[fold(name)] = spec
        sheets, seen = [], set()
        for worksheet in workbook.worksheets:
            spec = by_name.get(fold(worksheet.title))
            if spec is None or spec.key in seen:
                continue
            seen.add(spec.key)
            sheet = self._read_sheet(spec, worksheet)
            if sheet is not None:
                sheets.append(sheet)
        workbook.close()
        if not seen:
            self.result.file_errors.append(RowError("—", None, "—", "—", _(
                "No sheet of the template was found. The workbook must have at least one of the sheets: "
                "%(sheets)s. Download the template from this page.") % {
                    "sheets": ", ".join(s.title for s in SHEETS)}))
        elif not self.result.errors and not any(s.rows for s in sheets):
            self.result.file_errors.append(RowError("—", None, "—", "—", _(
                "The file has headers but no data rows: nothing to import.")))
        return sorted(sheets, key=lambda s: SHEETS.index(s.spec))

    def _read_sheet(self, spec: SheetSpec, worksheet) -> _Sheet | None:
        worksheet.reset_dimensions()  # some writers store a wrong size; read what is there
        rows = worksheet.iter_rows(values_only=True)
        header_keys = {}
        for column in spec.columns:
            for name in (column.header, column.key, *column.aliases):
                header_keys[_header_key(name)] = column
        header_row, positions = None, {}
        buffered = []
        for number, values in enumerate(rows, start=1):
            buffered.append(values)
            found = {i: header_keys[_header_key(v)] for i, v in enumerate(values or ()) if
                     _header_key(v) in header_keys}
            if len(found) >= 2 or (len(found) == 1 and len(spec.columns) == 1):
                header_row, positions = number, found
                break
            if number >= _HEADER_SEARCH_ROWS:
                break
        if header_row is None:
            if any(v not in (None, "") for values in buffered for v in (values or ())):
                self.error(spec, None, None, _(
                    "The header row was not found: the first rows must hold the column names of the template "
                    "(%(headers)s).") % {"headers": ", ".join(c.header for c in spec.columns)}, header="—")
            else:
                self.error(spec, None, None, _(
                    "The sheet is empty: it has no header row and no data. Delete the sheet or fill it in."),
                    header="—")
            return None
        letters, present = {}, {}
        for index, column in positions.items():
            if column.key in present:
                self.error(spec, header_row, get_column_letter(index + 1), _(
                    "Column '%(header)s' appears twice (also column %(other)s).") % {
                        "header": column.header, "other": letters[column.key]}, header=column.header)
                continue
            present[column.key] = index
            letters[column.key] = get_column_letter(index + 1)
        sheet = _Sheet(spec, worksheet.title, [], letters)
        for column in spec.columns:
            required = column.required or (column.key == "organization" and self.organization is None
                                           and not (self.user and self.user.is_unit_user))
            if required and column.key not in present:
                self.error(sheet, header_row, None, _("The required column '%(header)s' is missing.") % {
                    "header": column.header}, header=column.header)
        if any(c.required and c.key not in present for c in spec.columns):
            return sheet
        for number, values in enumerate(rows, start=header_row + 1):
            values = values or ()
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            parsed = {}
            for key, index in present.items():
                raw = values[index] if index < len(values) else None
                try:
                    parsed[key] = sheet.spec.column(key).parse(self, raw)
                except CellError as exc:
                    self.error(sheet, number, key, exc.args[0])
                    parsed[key] = _BAD
            code_key = "code" if spec is SITES else "site"
            if isinstance(parsed.get(code_key), str) and parsed[code_key].startswith(EXAMPLE_PREFIX):
                continue
            sheet.rows.append(_Row(number, parsed, letters))
            self.result.rows += 1
            if self.result.rows % 500 == 0:
                self.progress(self.result.rows, None)
        return sheet

    # matching and applying ---------------------------------------------------

    def run(self, data: bytes, *, dry_run: bool = False) -> ImportResult:
        problem = sniff(data)
        if problem:
            self.result.file_errors.append(RowError("—", None, "—", "—", problem))
            return self.result
        sheets = self.read(data)
        if self.result.file_errors:
            return self.result
        self.dry_run = dry_run
        self.total = sum(len(s.rows) for s in sheets)
        self.done = 0
        try:
            with transaction.atomic():
                self._apply(sheets)
                if self.result.errors or dry_run:
                    raise _Rollback
                self.result.applied = True
        except _Rollback:
            pass
        self.result.errors.sort(key=lambda e: (
            [s.title for s in SHEETS].index(e.sheet) if e.sheet in [s.title for s in SHEETS] else 9,
            e.row or 0, e.column))
        return self.result

    def _apply(self, sheets: list[_Sheet]):
        by_key = {s.spec.key: s for s in sheets}
        codes = {r.values.get("code") for r in by_key["sites"].rows} if "sites" in by_key else set()
        for s in sheets:
            if s.spec is not SITES:
                codes |= {r.values.get("site") for r in s.rows}
        codes.discard(None)
        codes.discard(_BAD)
        # Codes are compared in capitals: "x-14-01" in a file is the site X-14-01.
        self.db_sites = {s.code.upper(): s for s in Site.objects.annotate(upper_code=Upper("code")).filter(
            upper_code__in=codes).select_related("organization")}
        self.file_sites, self.failed_sites = {}, set()
        if "sites" in by_key:
            self._sites(by_key["sites"])
        if "devices" in by_key:
            self._devices(by_key["devices"])
        if "links" in by_key:
            self._links(by_key["links"])
        if "contacts" in by_key:
            self._contacts(by_key["contacts"])

    def _tick(self):
        self.done += 1
        if self.done % 250 == 0 or self.done == self.total:
            self.progress(self.done, self.total)

    def _count(self, sheet: _Sheet, status: str):
        self.result.counts.setdefault(sheet.title, Counter())[status] += 1

    def _assign(self, obj, row: _Row, keys):
        for key in keys:
            if key in row.values and row.values[key] is not _BAD:
                value = row.values[key]
                model_field = obj._meta.get_field(key)
                if value is None and not model_field.null and not model_field.is_relation:
                    value = model_field.get_default() if key in ("quantity", "is_hub") else ""
                setattr(obj, key, value)

    def _save(self, sheet: _Sheet, row: _Row, obj, *, before: dict | None, site_key: str, site: Site,
              deferred: list | None = None):
        """Validate with the model's own rules, then save and record history; or report why not.

        With ``deferred`` the write is only queued there: for rows nothing else depends on.
        """
        changes = diff(before, snapshot(obj)) if before is not None else None
        if before is not None and not changes:
            self._count(sheet, "unchanged")
            return
        # Foreign keys were resolved from loaded rows, and serials were checked for the whole file in
        # one query (``_devices``, same rule and message as Device.clean): skipping their per-row
        # queries is what keeps a 5,000-row file within seconds.
        exclude = [f for f in _FK_FIELDS if hasattr(obj, f + "_id")]
        serial = obj.serial if isinstance(obj, Device) else None
        if isinstance(obj, Device):
            exclude.append("serial")  # also skips the serial constraint, checked with the file
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
            for name, messages in exc.message_dict.items():
                key = name if any(c.key == name for c in sheet.spec.columns) and name in row.letters else site_key
                for message in messages:
                    self.error(sheet, row.number, key, message)
            if isinstance(obj, Site):
                self.failed_sites.add(obj.code.upper())
            return
        self._count(sheet, "created" if before is None else "updated")
        if changes and len(self.result.changes) < ERRORS_SHOWN:
            labels = {str(obj._meta.get_field(name).verbose_name): pair for name, pair in changes.items()}
            self.result.changes.append(Change(sheet.title, row.number, str(obj), labels))
        if deferred is not None:
            deferred.append((sheet, row, obj, before, changes, site_key, site))
        else:
            self._write(sheet, row, obj, before, changes, site_key, site)

    def _write(self, sheet: _Sheet, row: _Row, obj, before, changes, site_key: str, site: Site):
        obj.updated_at = timezone.now()
        try:
            if before is None:
                obj.save()
            else:
                obj.save(update_fields=[f.name for f in obj._meta.concrete_fields if f.name in changes]
                         + ["updated_at"])
        except DatabaseError as exc:
            self.error(sheet, row.number, site_key, _("The database refused this row: %(reason)s") % {
                "reason": exc})
            raise _Rollback from exc
        if not self.dry_run and not self.result.errors:  # else all is rolled back: spare the history rows
            record_change(obj, user=self.user, before=before, via=ChangeVia.IMPORT, site=site,
                          action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE)

    def _may_change(self, site: Site) -> bool:
        return self.user is None or access.can_change_site(self.user, site)

    def _org_allowed(self, org: Organization) -> bool:
        if self.organization is not None and org.pk != self.organization.pk:
            return False
        return self.allowed_org_ids is None or org.pk in self.allowed_org_ids

    def _site_for(self, sheet: _Sheet, row: _Row) -> Site | None:
        """The site a device, link or contact row names, or None (with an error when it is the row's fault)."""
        code = row.values.get("site")
        if code is _BAD:
            return None
        if not code:
            self.error(sheet, row.number, "site", _("The site code is required."))
            return None
        if code in self.failed_sites:
            return None  # the site's own row already carries the error
        if code in self.file_sites:
            return self.file_sites[code]
        site = self.db_sites.get(code)
        if site is not None and site.retired_at is None and self._may_change(site) and (
                self.organization is None or site.organization_id == self.organization.pk):
            return site
        self.error(sheet, row.number, "site", _(
            "Site %(code)s is neither in the sheet 'Điểm cầu' of this file nor among the sites you may change.")
            % {"code": code})
        return None

    def _required(self, sheet: _Sheet, row: _Row, keys) -> bool:
        ok = True
        for key in keys:
            if key in row.values and row.values[key] in (None, "", []):
                self.error(sheet, row.number, key, _("This cell is required."))
                ok = False
            elif row.values.get(key) is _BAD:
                ok = False
        return ok

    # sheets ------------------------------------------------------------------

    def _sites(self, sheet: _Sheet):
        fields = [c.key for c in SITES.columns if c.key != "code"]
        first_row = {}
        for row in sheet.rows:
            self._tick()
            code = row.values.get("code")
            if code and code is not _BAD and code in first_row:
                self.error(sheet, row.number, "code", _("Site code %(code)s already appears on row %(row)s.") % {
                    "code": code, "row": first_row[code]})
                continue
            if code and code is not _BAD:
                first_row[code] = row.number
            org = row.values.get("organization")
            if org is None and "organization" in row.values or "organization" not in row.values:
                org = self.organization or (self.user.organization if self.user and self.user.is_unit_user
                                            else None)
                if org is None:
                    self.error(sheet, row.number, "organization", _("This cell is required."))
                    org = _BAD
                row.values["organization"] = org
            if not self._required(sheet, row, ["code", "name"]) or org is _BAD:
                if code and code is not _BAD:
                    self.failed_sites.add(code)
                continue
            if not self._org_allowed(org):
                self.error(sheet, row.number, "organization", _(
                    "You may import only the sites of your own organisation, not of %(org)s.") % {"org": org.code})
                self.failed_sites.add(code)
                continue
            site = self.db_sites.get(code)
            if site is not None and (not self._may_change(site) or site.retired_at is not None):
                message = (_("Site %(code)s was retired; restore it on its page before importing it.")
                           if site.retired_at is not None and self._may_change(site)
                           else _("Site code %(code)s is already used by another organisation; choose another code."))
                self.error(sheet, row.number, "code", message % {"code": code})
                self.failed_sites.add(code)
                continue
            before = snapshot(site) if site is not None else None
            if site is None:
                site = Site(code=code)
            self._assign(site, row, fields)
            self.file_sites[code] = site
            self._save(sheet, row, site, before=before, site_key="code", site=site)
            if site.pk is None:
                self.file_sites.pop(code, None)

    def _devices(self, sheet: _Sheet):
        serials = {r.values.get("serial") for r in sheet.rows} - {None, "", _BAD}
        by_serial = {d.serial: d for d in Device.objects.filter(serial__in=serials).select_related(
            "site", "group", "condition")}
        site_ids = {s.pk for s in (*self.db_sites.values(), *self.file_sites.values()) if s.pk}
        unnamed = defaultdict(list)
        for device in Device.objects.active().filter(site_id__in=site_ids, serial="").select_related(
                "site", "group", "condition").order_by("pk"):
            unnamed[(device.site_id, device.group_id, fold(device.manufacturer), fold(device.model))].append(device)
        seen_serial, occurrences = {}, Counter()
        unknown = self.terms[Taxonomy.DEVICE_CONDITION].get("unknown")
        fields = [c.key for c in DEVICES.columns if c.key != "site"]
        deferred = []
        for row in sheet.rows:
            self._tick()
            serial = row.values.get("serial") or ""
            if serial and serial is not _BAD:
                if serial in seen_serial:
                    self.error(sheet, row.number, "serial", _("Serial %(serial)s also appears on row %(row)s.")
                               % {"serial": serial, "row": seen_serial[serial]})
                    continue
                seen_serial[serial] = row.number
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["group"]) or serial is _BAD:
                continue
            device = None
            if serial:
                device = by_serial.get(serial)
                if device is not None and (device.site_id != site.pk or device.retired_at is not None):
                    self.error(sheet, row.number, "serial", _(
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
            if device is None:
                device = Device(site=site)
            self._assign(device, row, fields)
            if device.condition_id is None:
                device.condition = unknown
            device.site = site
            self._save(sheet, row, device, before=before, site_key="site", site=site, deferred=deferred)
        # Nothing depends on a device row, so devices are written only when the whole file is good.
        if not self.dry_run and not self.result.errors:
            for item in deferred:
                self._write(*item)

    def _links(self, sheet: _Sheet):
        existing = defaultdict(list)
        site_ids = {s.pk for s in (*self.db_sites.values(), *self.file_sites.values()) if s.pk}
        for link in Link.objects.active().filter(site_id__in=site_ids).select_related(
                "site", "provider", "provider__kind", "kind").order_by("pk"):
            existing[link.site_id].append(link)
        plans, primary_row, seen = [], {}, {}
        fields = [c.key for c in LINKS.columns if c.key != "site"]
        for row in sheet.rows:
            self._tick()
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["role", "kind", "medium"]):
                continue
            values = row.values
            if any(values.get(k) is _BAD for k in ("provider",)):
                continue
            if values["role"] == LinkRole.PRIMARY:
                if site.code in primary_row:
                    self.error(sheet, row.number, "role", _(
                        "Site %(code)s has two primary links in this file (rows %(first)s and %(row)s); "
                        "make one of them a backup.") % {"code": site.code, "first": primary_row[site.code],
                                                         "row": row.number})
                    continue
                primary_row[site.code] = row.number
            provider = values.get("provider")
            circuit = values.get("circuit_id") or ""
            key = (site.code, "circuit", circuit) if circuit else (
                site.code, values["role"], provider.pk if provider else None, values["kind"].pk)
            if key in seen:
                self.error(sheet, row.number, "site", _("This link repeats row %(row)s.") % {"row": seen[key]})
                continue
            seen[key] = row.number
            plans.append([row, None, site])
        # Three passes, strictest first, so a loose match never takes a link a stricter one names.
        for strictness in ("circuit", "role", "any"):
            for plan in plans:
                if plan[1] is None and plan[2].pk:
                    plan[1] = self._match_link(existing.get(plan[2].pk, []), plan[0].values, strictness)
        # Demotions to backup first, then promotions, then new links: a file may swap the primary.
        plans.sort(key=lambda p: (p[0].values["role"] == LinkRole.PRIMARY, p[1] is None, p[0].number))
        for row, link, site in plans:
            before = snapshot(link) if link is not None else None
            link = link or Link(site=site)
            self._assign(link, row, fields)
            link.site = site
            self._save(sheet, row, link, before=before, site_key="site", site=site)

    @staticmethod
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

    def _contacts(self, sheet: _Sheet):
        existing = {}
        site_ids = {s.pk for s in (*self.db_sites.values(), *self.file_sites.values()) if s.pk}
        for contact in Contact.objects.active().filter(site_id__in=site_ids).select_related("site"):
            existing.setdefault((contact.site_id, _phone_key(contact.phone)), contact)
        plans, primary_row, seen = [], {}, {}
        fields = [c.key for c in CONTACTS.columns if c.key != "site"]
        for row in sheet.rows:
            self._tick()
            site = self._site_for(sheet, row)
            if site is None or not self._required(sheet, row, ["role", "full_name", "phone"]):
                continue
            phone = _phone_key(row.values["phone"])
            if (site.code, phone) in seen:
                self.error(sheet, row.number, "phone", _(
                    "Phone %(phone)s of site %(code)s also appears on row %(row)s.") % {
                        "phone": row.values["phone"], "code": site.code, "row": seen[(site.code, phone)]})
                continue
            seen[(site.code, phone)] = row.number
            if row.values["role"] == ContactRole.PRIMARY:
                if site.code in primary_row:
                    self.error(sheet, row.number, "role", _(
                        "Site %(code)s has two primary contacts in this file (rows %(first)s and %(row)s); "
                        "make one of them a deputy.") % {"code": site.code, "first": primary_row[site.code],
                                                         "row": row.number})
                    continue
                primary_row[site.code] = row.number
            plans.append((row, existing.get((site.pk, phone)) if site.pk else None, site))
        plans.sort(key=lambda p: (p[0].values["role"] == ContactRole.PRIMARY, p[1] is None, p[0].number))
        for row, contact, site in plans:
            before = snapshot(contact) if contact is not None else None
            contact = contact or Contact(site=site)
            self._assign(contact, row, fields)
            contact.site = site
            self._save(sheet, row, contact, before=before, site_key="site", site=site)


class _Rollback(Exception):
    pass


class _Bad:
    """Marks a cell that failed to parse (already reported)."""

    def __repr__(self):
        return "<bad cell>"


_BAD = _Bad()


def import_inventory(data: bytes, *, user=None, organization: Organization | None = None, dry_run: bool = False,
                     progress: Callable | None = None) -> ImportResult:
    """Import an inventory workbook, all or nothing; see the module docstring."""
    return Importer(user=user, organization=organization, progress=progress).run(data, dry_run=dry_run)


def can_import(user) -> bool:
    """Who may import: whoever may add sites to some organisation (DOST editors, unit users)."""
    return user.is_authenticated and access.organizations_where_user_adds_sites(user).exists()
