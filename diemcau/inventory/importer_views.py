"""Import of a unit's inventory from the Excel template: upload, check, confirm.

The uploaded file is checked at once (a dry run: nothing is saved) and kept
under ``MEDIA_ROOT/imports/<token>.xlsx`` for a day; the confirm button sends
only the token, so a site contact on a slow mobile link uploads the file
once. The token is bound to the session that uploaded it, and the file is
checked again when applied (the inventory may have changed in between).

A file larger than ``IMPORT_BACKGROUND_BYTES`` is checked, and later
imported, by the worker (an ``ImportRun``): the page shows its progress and
then the same result.
"""

import hashlib
import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diemcau.audit.services import IMPORT_REFUSED, record_import
from diemcau.core.exports import workbook_response
from diemcau.core.forms import bootstrap
from diemcau.inventory import access
from diemcau.inventory.choices import ImportStatus
from diemcau.inventory.import_format import ImportResult
from diemcau.inventory.importer import ERRORS_SHOWN, SHEETS, can_import, import_inventory
from diemcau.inventory.models import ImportRun, Organization
from diemcau.inventory.services import import_run_queue
from diemcau.inventory.template_xlsx import build_template
from diemcau.lib.collation import vi_order
from diemcau.lib.spreadsheet import Limits

SESSION_KEY = "inventory_imports"
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.FileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), required=False, label=gettext_lazy("Only for organisation"),
        help_text=gettext_lazy("Optional: refuse rows of any other organisation."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.edits_province:
            self.fields["organization"].queryset = access.organizations_where_user_adds_sites(user).order_by(vi_order("name"))
        else:
            del self.fields["organization"]
        bootstrap(self)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = getattr(settings, "IMPORT_MAX_BYTES", 10 * 1024 * 1024)
        if upload.size > limit:
            raise forms.ValidationError(_("The file is %(size)s; the largest accepted is %(limit)s.") % {
                "size": filesizeformat(upload.size), "limit": filesizeformat(limit)})
        return upload


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(request, data: bytes, name: str, organization) -> str:
    """Store the checked file; forget files older than a day."""
    folder = _folder()
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.xlsx").write_bytes(data)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {
        "name": name, "sha256": hashlib.sha256(data).hexdigest(),
        "organization": organization.pk if organization else None, "at": timezone.now().isoformat(),
    }
    request.session[SESSION_KEY] = pending
    return token


def _take(request, token: str):
    """The kept file of this session's ``token`` as (bytes, entry), or None."""
    entry = request.session.get(SESSION_KEY, {}).get(token) if _TOKEN.match(token or "") else None
    path = _folder() / f"{token}.xlsx"
    if entry is None or not path.exists():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return None
    return data, entry


def kept_file(run: ImportRun) -> bytes | None:
    """The kept upload of a worker's run, or None when it is gone (older than a day)."""
    path = _folder() / f"{run.file_token}.xlsx"
    return path.read_bytes() if _TOKEN.match(run.file_token) and path.exists() else None


def forget_kept_file(run: ImportRun) -> None:
    """An applied run's upload is not needed any more."""
    if _TOKEN.match(run.file_token):
        (_folder() / f"{run.file_token}.xlsx").unlink(missing_ok=True)


def _in_background(data: bytes) -> bool:
    return len(data) > settings.IMPORT_BACKGROUND_BYTES


def _forget(request, token: str):
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    (_folder() / f"{token}.xlsx").unlink(missing_ok=True)


def _result_context(result, *, name, token=None, organization=None) -> dict:
    counts = [(spec.title, result.counts.get(spec.title)) for spec in SHEETS if result.counts.get(spec.title)]
    return {"result": result, "counts": counts, "name": name, "token": token, "organization": organization,
            "errors_shown": ERRORS_SHOWN, "error_count": result.error_count}


def _result_page(request, result, *, name, token=None, organization=None):
    return render(request, "inventory/import_result.html",
                  _result_context(result, name=name, token=token, organization=organization))


@login_required
def import_page(request):
    if not can_import(request.user):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _apply(request, request.POST["token"])
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        organization = form.cleaned_data.get("organization")
        data = upload.read()
        if _in_background(data):
            token = _keep(request, data, upload.name, organization)
            run = import_run_queue(file_token=token, user=request.user, organization=organization,
                                   filename=upload.name, dry_run=True)
            return redirect("inventory:import_run", key=run.key)
        result = import_inventory(data, user=request.user, organization=organization, dry_run=True,
                                  request=request, filename=upload.name)
        token = _keep(request, data, upload.name, organization) if result.ok else None
        return _result_page(request, result, name=upload.name, token=token, organization=organization)
    if request.method == "POST" and "file" in request.FILES:
        # Refused before it was read (too large, another organisation): recorded all the same.
        upload = request.FILES["file"]
        record_import(what=_("Inventory"), filename=upload.name, size=upload.size, outcome=IMPORT_REFUSED,
                      errors=sum(len(errors) for errors in form.errors.values()), request=request)
    limits = Limits.from_settings()
    return render(request, "inventory/import.html", {
        "form": form, "max_bytes": getattr(settings, "IMPORT_MAX_BYTES", 10 * 1024 * 1024),
        "limits": limits, "limit_rows": number_format(limits.rows, force_grouping=True),
    })


def _apply(request, token: str):
    kept = _take(request, token)
    if kept is None:
        messages.error(request, _("This checked file is no longer available; upload it again."))
        return redirect("inventory:import")
    data, entry = kept
    organization = None
    if entry["organization"]:
        organization = access.organizations_where_user_adds_sites(request.user).filter(
            pk=entry["organization"]).first()
        if organization is None:
            raise PermissionDenied
    if _in_background(data):
        run = import_run_queue(file_token=token, user=request.user, organization=organization,
                               filename=entry["name"], dry_run=False)
        pending = request.session.get(SESSION_KEY, {})
        pending.pop(token, None)  # the worker's run owns the file now; it is removed when the run ends
        request.session[SESSION_KEY] = pending
        return redirect("inventory:import_run", key=run.key)
    result = import_inventory(data, user=request.user, organization=organization, request=request,
                              filename=entry["name"])
    _forget(request, token)
    if result.applied:
        total = result.total
        messages.success(request, _(
            "Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % {
                "created": total["created"], "updated": total["updated"], "unchanged": total["unchanged"]})
    return _result_page(request, result, name=entry["name"], organization=organization)


@login_required
def import_run(request, key: str):
    """A worker's check or import: its progress (the page polls it) and then its result."""
    run = ImportRun.objects.select_related("organization").filter(key=key, user=request.user).first()
    if run is None:
        raise Http404
    finished = run.status in (ImportStatus.DONE, ImportStatus.FAILED)
    if request.headers.get("HX-Request"):
        response = render(request, "inventory/_import_progress.html", {"run": run})
        if finished:
            response["HX-Refresh"] = "true"  # the whole page then shows the result
        return response
    context = {"run": run, "finished": finished}
    if run.status == ImportStatus.DONE:
        result = ImportResult.from_dict(run.result)
        kept = run.dry_run and result.ok and run.file_token in request.session.get(SESSION_KEY, {})
        context.update(_result_context(result, name=run.filename, token=run.file_token if kept else None,
                                       organization=run.organization))
    return render(request, "inventory/import_run.html", context)


@login_required
def import_template(request):
    if not can_import(request.user):
        raise PermissionDenied
    filled = request.GET.get("filled") == "1"
    stamp = timezone.localtime().strftime("%Y%m%d")
    code = request.user.organization.code if request.user.is_unit_user else "tinh"
    filename = f"kiem-ke-{code}-{stamp}" if filled else "mau-nhap-kiem-ke"
    # The filled template is the unit's data: an export for the audit log; the empty one is not.
    return workbook_response(build_template(request.user, filled=filled), filename,
                             request=request if filled else None, what=_("Inventory"))
