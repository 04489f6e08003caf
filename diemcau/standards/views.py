"""Pages of the standards app: province compliance, the standard's versions, platforms, profiles, a site's settings."""

import zipfile

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.audit.services import IMPORT_FAILED, IMPORT_REFUSED, IMPORT_SAVED, record_import
from diemcau.core.exports import export_response, workbook_response
from diemcau.core.listing import Column, paginate, wants_export
from diemcau.lib.collation import vi_order
from diemcau.lib.spreadsheet import Refused
from diemcau.standards import access, services
from diemcau.standards.choices import StandardStatus, Status, Verdict
from diemcau.standards.forms import (
    ImportStandardForm,
    MatrixFilter,
    NewDraftForm,
    PlatformForm,
    ProfileForm,
    RequirementForm,
    SiteSettingsForm,
    StandardForm,
)
from diemcau.standards.models import (
    ConfigProfile,
    Platform,
    Requirement,
    SiteCompliance,
    SiteSettings,
    SiteVerdict,
    Standard,
)
from diemcau.standards.panels import site_context
from diemcau.standards.reasons import render as render_reason
from diemcau.standards.results import (
    compliance_rows,
    drift_summary,
    platform_summary,
    requirement_shares,
    verdict_counts,
)


def _errors(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


# Province views ------------------------------------------------------------------------

@login_required
def overview(request):
    sites = access.sites_for_user(request.user)
    standard = Standard.objects.current()
    return render(request, "standards/overview.html", {
        "standard": standard,
        "counts": verdict_counts(sites),
        "shares": requirement_shares(standard, sites),
        "platforms": platform_summary(sites),
        "drift": drift_summary(sites),
        "can_edit": access.can_edit_standards(request.user),
    })


def _matrix_columns(requirements) -> list[Column]:
    columns = [
        Column("code", _("Site code"), lambda r: r["site"].code),
        Column("site", _("Site"), lambda r: r["site"].name),
        Column("organization", _("Organisation"), lambda r: r["site"].organization.name),
        Column("verdict", _("Verdict"), lambda r: Verdict(r["verdict"]).label if r["verdict"] else ""),
        Column("why", _("Why this verdict"), lambda r: r["why"]),
    ]
    for req in requirements:
        columns.append(Column(req.code, req.code, lambda r, code=req.code: r["cells"][code]["label"]))
    columns.append(Column("reasons", _("Requirements not met"), lambda r: "; ".join(
        f"{c}: {r['cells'][c]['reason']}" for c in r["codes"] if r["cells"][c]["status"] != Status.PASS)))
    return columns


@login_required
def matrix(request):
    """Sites × requirements of the standard in force, filterable, exportable."""
    standard = Standard.objects.current()
    filter_form = MatrixFilter(request.GET or None)
    sites = access.sites_for_user(request.user).select_related("organization").order_by(vi_order("organization__name"), "code")
    requirements = list(standard.requirements.all()) if standard else []
    if filter_form.is_valid():
        data = filter_form.cleaned_data
        if data.get("organization"):
            sites = sites.filter(organization=data["organization"])
        if data.get("category"):
            requirements = [r for r in requirements if r.category == data["category"]]
        if data.get("verdict"):
            sites = sites.filter(verdicts__is_current=True, verdicts__verdict=data["verdict"])
    fmt = wants_export(request)
    page = None if fmt else paginate(request, sites)
    chosen = list(sites) if fmt else list(page.object_list)
    ids = [s.pk for s in chosen]
    results = dict(SiteCompliance.objects.filter(standard=standard, site_id__in=ids).values_list("site_id", "results")) if standard else {}
    current = SiteVerdict.objects.filter(is_current=True, site_id__in=ids)
    verdicts = dict(current.values_list("site_id", "verdict"))
    # The export also says why; the page links to each site for that.
    why = dict(current.values_list("site_id", "reasons")) if fmt else {}
    codes = [r.code for r in requirements]
    rows = []
    for site in chosen:
        site_results = results.get(site.pk, {})
        cells = {}
        for code in codes:
            outcome = site_results.get(code)
            status = outcome["status"] if outcome else Status.UNKNOWN
            cells[code] = {"code": code, "status": status, "label": Status(status).label,
                           "reason": render_reason(outcome["reason"]) if outcome else _("not judged yet")}
        rows.append({"site": site, "verdict": verdicts.get(site.pk), "cells": cells, "codes": codes,
                     "cell_list": [cells[c] for c in codes],
                     "why": "; ".join(render_reason(r["reason"]) for r in why.get(site.pk, []))})
    if fmt:
        return export_response(fmt, "tuan-thu-tieu-chuan", _matrix_columns(requirements), rows, sheet_title=_("Compliance"),
                               request=request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "standards/matrix.html", {
        "standard": standard, "requirements": requirements, "rows": rows, "page": page,
        "filter": filter_form, "query": query.urlencode(),
    })


# Standards and their versions ------------------------------------------------------------

@login_required
def standard_list(request):
    return render(request, "standards/standard_list.html", {
        "standards": access.standards_for_user(request.user).select_related("published_by"),
        "can_edit": access.can_edit_standards(request.user),
        "draft_form": NewDraftForm(),
    })


@login_required
def standard_detail(request, pk):
    standard = access.standard_for_user(request.user, pk)
    sites = access.sites_for_user(request.user)
    requirements = list(standard.requirements.all())
    changes = _changes_from(standard.based_on, requirements) if standard.based_on_id else {}
    for requirement in requirements:
        requirement.change = changes.get(requirement.code)
    return render(request, "standards/standard_detail.html", {
        "standard": standard,
        "requirements": requirements,
        "removed": changes.get("__removed__", []),
        "shares": requirement_shares(standard, sites) if not standard.is_draft else [],
        "can_edit": access.can_edit_standards(request.user) and standard.is_draft,
        "is_editor": access.can_edit_standards(request.user),
    })


def _changes_from(previous: Standard, requirements) -> dict:
    """What a version changes from the one it was based on: new, changed (which fields), removed."""
    before = {r.code: r for r in previous.requirements.all()}
    changes: dict = {}
    for r in requirements:
        old = before.pop(r.code, None)
        if old is None:
            changes[r.code] = {"new": True}
            continue
        fields = [f for f in ("rule", "text", "severity", "category", "source") if getattr(old, f) != getattr(r, f)]
        if fields:
            changes[r.code] = {"fields": [str(Requirement._meta.get_field(f).verbose_name) for f in fields],
                               "old_rule": old.rule_text if "rule" in fields else None}
    changes["__removed__"] = list(before.values())
    return changes


@login_required
def standard_export(request, pk):
    standard = access.standard_for_user(request.user, pk)
    data = {
        "name": standard.name, "version": standard.version,
        "requirements": [
            {k: v for k, v in {"code": r.code, "category": r.category, "vi": r.text, "rule": r.rule,
                               "severity": r.severity if r.severity != "fail" else None,
                               "source": r.source or None}.items() if v is not None}
            for r in standard.requirements.all()
        ],
    }
    response = HttpResponse(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tieu-chuan-{standard.version}.yaml"'
    return response


@login_required
@require_POST
def standard_new_draft(request):
    access.require_editor(request.user)
    form = NewDraftForm(request.POST)
    based_on = None
    if request.POST.get("based_on"):
        based_on = access.standard_for_user(request.user, request.POST["based_on"])
    if form.is_valid():
        try:
            draft = services.standard_new_draft(user=request.user, based_on=based_on, version=form.cleaned_data["version"])
        except ValidationError as exc:
            _errors(request, exc)
            return redirect("standards:standards")
        messages.success(request, _("Draft %(version)s created. Change it, then publish it.") % {"version": draft.version})
        return redirect(draft)
    for error in form.errors.get("version", []):
        messages.error(request, error)
    return redirect("standards:standards")


@login_required
def standard_import(request):
    access.require_editor(request.user)
    form = ImportStandardForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        audit = {"what": _("Standard"), "filename": upload.name, "size": upload.size, "request": request}
        try:
            text = upload.read().decode("utf-8")
            draft = services.standard_import(text, user=request.user)
        except UnicodeDecodeError:
            form.add_error("file", _("The file must be UTF-8 text."))
            record_import(outcome=IMPORT_REFUSED, errors=1, **audit)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
            record_import(outcome=IMPORT_REFUSED, errors=len(exc.messages), **audit)
        except Exception:
            record_import(outcome=IMPORT_FAILED, **audit)
            raise
        else:
            record_import(outcome=IMPORT_SAVED, changed=1, **audit)
            messages.success(request, _("Imported as draft %(version)s.") % {"version": draft.version})
            return redirect(draft)
    return render(request, "standards/form.html", {
        "form": form, "title": _("Import a standard"), "multipart": True, "cancel_url": reverse("standards:standards"),
    })


@login_required
def standard_edit(request, pk):
    standard = access.standard_for_user(request.user, pk, change=True)
    if not standard.is_draft:
        messages.error(request, _("Only a draft can be changed; start a new draft to change the standard."))
        return redirect(standard)
    form = StandardForm(request.POST or None, instance=standard)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect(standard)
    return render(request, "standards/form.html", {"form": form, "title": _("Edit draft"), "cancel_url": standard.get_absolute_url()})


@login_required
@require_POST
def standard_publish(request, pk):
    standard = access.standard_for_user(request.user, pk, change=True)
    try:
        services.standard_publish(standard, user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(standard)
    messages.success(request, _("Version %(version)s is now in force; every site is being judged against it.") % {"version": standard.version})
    return redirect(standard)


@login_required
def requirement_edit(request, pk=None, standard_pk=None):
    if pk:
        requirement = access.requirement_for_user(request.user, pk, change=True)
        standard = requirement.standard
    else:
        standard = access.standard_for_user(request.user, standard_pk, change=True)
        requirement = Requirement(standard=standard, position=standard.requirements.count() + 1)
    if not standard.is_draft:
        messages.error(request, _("Only a draft can be changed; start a new draft to change the standard."))
        return redirect(standard)
    form = RequirementForm(request.POST or None, instance=requirement)
    if request.method == "POST" and form.is_valid():
        try:
            services.requirement_save(form.save(commit=False))
        except ValidationError as exc:
            form._update_errors(exc)
        else:
            messages.success(request, _("Requirement %(code)s saved.") % {"code": requirement.code})
            return redirect(standard)
    return render(request, "standards/form.html", {
        "form": form, "title": _("Edit requirement") if pk else _("New requirement"), "object": requirement if pk else None,
        "cancel_url": standard.get_absolute_url(), "standard": standard,
    })


@login_required
@require_POST
def requirement_delete(request, pk):
    requirement = access.requirement_for_user(request.user, pk, change=True)
    try:
        services.requirement_delete(requirement)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Requirement %(code)s removed from the draft.") % {"code": requirement.code})
    return redirect(requirement.standard)


# Platforms and profiles ---------------------------------------------------------------------

@login_required
def platform_list(request):
    return render(request, "standards/platform_list.html", {
        "platforms": Platform.objects.all(), "can_edit": access.can_edit_standards(request.user),
    })


@login_required
def platform_edit(request, pk=None):
    if pk:
        platform = access.platform_for_user(request.user, pk, change=True)
    else:
        access.require_editor(request.user)
        platform = Platform()
    return _reference_form(request, PlatformForm(request.POST or None, instance=platform),
                           save=lambda form: services.platform_save(form.save(commit=False)),
                           saved=_("Platform saved; compatibility is being checked again."),
                           title=_("Edit platform") if pk else _("New platform"), list_url="standards:platforms")


def _profile_save(form):
    profile = form.save(commit=False)
    profile.settings = form.settings_values()
    services.profile_save(profile)


def _reference_form(request, form, *, save, saved: str, title: str, list_url: str):
    """The edit page of a platform or a profile: save through the service (its errors on the form), back to the list."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except ValidationError as exc:
            form._update_errors(exc)
        else:
            messages.success(request, saved)
            return redirect(list_url)
    return render(request, "standards/form.html", {"form": form, "title": title, "cancel_url": reverse(list_url)})


@login_required
def profile_list(request):
    from diemcau.standards.drift import SETTING_FIELDS
    from diemcau.standards.results import shown

    profiles = list(ConfigProfile.objects.all())
    for profile in profiles:
        profile.rows = [(f.label, shown(profile.settings.get(f.key)), f.unit) for f in SETTING_FIELDS if f.key in profile.settings]
    from diemcau.inventory.access import organizations_where_user_adds_sites

    return render(request, "standards/profile_list.html", {
        "profiles": profiles, "can_edit": access.can_edit_standards(request.user),
        "can_import": organizations_where_user_adds_sites(request.user).exists(),
    })


@login_required
def profile_edit(request, pk=None):
    if pk:
        profile = access.profile_for_user(request.user, pk, change=True)
    else:
        access.require_editor(request.user)
        profile = ConfigProfile()
    return _reference_form(request, ProfileForm(request.POST or None, instance=profile), save=_profile_save,
                           saved=_("Profile saved."), title=_("Edit profile") if pk else _("New profile"),
                           list_url="standards:profiles")


# One site ----------------------------------------------------------------------------------

@login_required
def site_settings(request, pk):
    site = access.site_for_user(request.user, pk, record_settings=True)
    record = SiteSettings.objects.filter(site=site).first()
    form = SiteSettingsForm(
        request.POST or None, values=record.values if record else {},
        initial={"profile": record.profile_id if record else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.site_settings_save(site, values=form.settings_values(), profile=form.cleaned_data["profile"], user=request.user)
        except ValidationError as exc:
            form._update_errors(exc)
        else:
            messages.success(request, _("The site's settings were recorded."))
            return redirect(site.get_absolute_url() + "#drift")
    return render(request, "standards/form.html", {
        "form": form, "title": _("Actual settings"), "object": site, "site": site,
        "cancel_url": site.get_absolute_url() + "#drift",
    })


@login_required
@require_POST
def site_recompute(request, pk):
    site = access.site_for_user(request.user, pk, record_settings=True)
    try:
        services.recompute_sites([site.pk])
    except IntegrityError:
        messages.warning(request, _("Another recomputation is running; try again in a minute."))
    else:
        messages.success(request, _("The site was judged again."))
    return redirect(site.get_absolute_url() + "#verdict")


@login_required
def site_results(request, pk):
    """A site's compliance against any published version, and its verdict history."""
    site = access.site_for_user(request.user, pk)
    versions = list(access.standards_for_user(request.user).exclude(status=StandardStatus.DRAFT))
    chosen = next((s for s in versions if str(s.pk) == request.GET.get("standard")), None) or Standard.objects.current()
    compliance = SiteCompliance.objects.filter(site=site, standard=chosen).first() if chosen else None
    context = site_context(request, site)
    context.update({
        "chosen": chosen, "versions": versions, "chosen_compliance": compliance,
        "chosen_rows": compliance_rows(chosen, compliance) if chosen else [],
        "history": SiteVerdict.objects.filter(site=site).select_related("standard")[:30],
    })
    return render(request, "standards/site_results.html", context)


@login_required
def settings_import(request):
    """Upload many sites' actual settings at once (all or nothing)."""
    from diemcau.inventory.access import organizations_where_user_adds_sites
    from diemcau.standards.forms import SettingsImportForm
    from diemcau.standards.importer import import_settings

    if not organizations_where_user_adds_sites(request.user).exists():
        raise PermissionDenied
    form = SettingsImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        audit = {"what": _("Actual settings"), "filename": upload.name, "size": upload.size, "request": request}
        try:
            result = import_settings(upload, user=request.user)
        except Refused as exc:
            form.add_error("file", exc.message)
            record_import(outcome=IMPORT_REFUSED, errors=1, **audit)
        except (ValueError, KeyError, OSError, UnicodeDecodeError, zipfile.BadZipFile):
            form.add_error("file", _("The file cannot be read; use the template (.xlsx) or a UTF-8 .csv."))
            record_import(outcome=IMPORT_REFUSED, errors=1, **audit)
        except Exception:
            record_import(outcome=IMPORT_FAILED, **audit)
            raise
        else:
            if result.ok:
                record_import(outcome=IMPORT_SAVED, changed=len(result.rows), **audit)
            else:
                record_import(outcome=IMPORT_REFUSED, errors=len(result.errors), **audit)
            if result.ok:
                messages.success(request, _("Settings of %(n)s sites recorded; their verdicts are being recomputed.") % {"n": len(result.rows)})
                return redirect("standards:settings_import")
    return render(request, "standards/settings_import.html", {"form": form, "result": result})


@login_required
def settings_template(request):
    from diemcau.inventory.access import organizations_where_user_adds_sites
    from diemcau.standards.importer import settings_template as build

    if not organizations_where_user_adds_sites(request.user).exists():
        raise PermissionDenied
    return workbook_response(build(request.user), "cau-hinh-thuc-te", request=request, what=_("Actual settings"))
