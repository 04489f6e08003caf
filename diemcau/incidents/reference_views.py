"""Pages where the department keeps the rules: SLA policies, the calendar, the knowledge base, webhooks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.core.models import WebhookEndpoint
from diemcau.incidents import access, rules
from diemcau.incidents.forms import CalendarDayForm, GuideForm, PolicyForm, WebhookForm
from diemcau.incidents.models import (
    CalendarChange,
    CalendarDay,
    SlaPolicy,
    SymptomGuide,
)
from diemcau.incidents.sla import DEFAULT_POLICIES


def _admin_only(request):
    access.check(access.can_manage_reference(request.user))


@login_required
def settings_page(request):
    """SLA policies, calendar days, webhooks: everyone reads the rules, DOST administrators change them."""
    return render(request, "incidents/settings.html", {
        "policies": SlaPolicy.objects.select_related("operator"),
        "defaults": DEFAULT_POLICIES,
        "days": CalendarDay.objects.all(),
        "changes": CalendarChange.objects.select_related("by")[:10],
        "webhooks": WebhookEndpoint.objects.select_related("organization") if request.user.is_dost_admin else [],
        "can_manage": access.can_manage_reference(request.user),
        "calendar_form": CalendarDayForm(),
    })


def _next(request) -> str:
    """The page to go back to, only if it is on this site (never an outside address)."""
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return target if allowed else ""


def _edit(request, *, form_class, instance, title, success):
    _admin_only(request)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if hasattr(obj, "updated_by_id"):
            obj.updated_by = request.user
        obj.save()
        messages.success(request, success)
        return redirect(_next(request) or "incidents:settings")
    return render(request, "incidents/form.html", {"form": form, "title": title,
                                                    "cancel_url": "incidents:settings"})


@login_required
def policy_edit(request, pk=None):
    """Targets fixed on a holding never change; an edit applies to holdings that start afterwards.

    Open incidents get the new targets only if the department ticks it and
    says why (in the worker: one step on each incident).
    """
    _admin_only(request)
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk else None
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            policy = form.save()
            if form.cleaned_data["apply_to_open"]:
                policy_id, user_id, reason = policy.pk, request.user.pk, form.cleaned_data["reason"].strip()
                transaction.on_commit(lambda: _queue_policy(policy_id, user_id, reason))
        if form.cleaned_data["apply_to_open"]:
            messages.success(request, _("The SLA policy was saved. Open incidents it governs get the new targets "
                                        "from now; each one shows who applied them and why."))
        else:
            messages.success(request, _("The SLA policy was saved. It applies to incidents reported or handed "
                                        "over from now on; open incidents keep their targets."))
        return redirect("incidents:settings")
    return render(request, "incidents/form.html", {"form": form, "title": _("SLA policy"),
                                                    "cancel_url": "incidents:settings"})


def _queue_policy(policy_id, user_id, reason):
    from diemcau.incidents.tasks import policy_apply_task

    policy_apply_task(policy_id, user_id, reason)


@login_required
def calendar_add(request):
    """A day off or a swapped working day; the worker moves the open clocks it touches at once."""
    _admin_only(request)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rules.calendar_day_add(date=data["date"], kind=data["kind"], name=data["name"], user=request.user)
        messages.success(request, _("The calendar day was saved. Open incidents it touches get their new due "
                                    "times within a minute."))
        return redirect("incidents:settings")
    return render(request, "incidents/form.html", {"form": form, "title": _("Calendar day"),
                                                    "cancel_url": "incidents:settings"})


@login_required
@require_POST
def calendar_delete(request, pk):
    _admin_only(request)
    rules.calendar_day_remove(get_object_or_404(CalendarDay, pk=pk), user=request.user)
    messages.success(request, _("The calendar day was removed. Open incidents it touched get their new due "
                                "times within a minute."))
    return redirect("incidents:settings")


@login_required
def webhook_edit(request, pk=None):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk) if pk else None
    return _edit(request, form_class=WebhookForm, instance=endpoint, title=_("Webhook"),
                 success=_("The webhook was saved."))


@login_required
def guide_list(request):
    return render(request, "incidents/guide_list.html", {
        "guides": SymptomGuide.objects.select_related("symptom"),
        "can_manage": access.can_manage_reference(request.user),
    })


@login_required
def guide_edit(request, pk):
    guide = get_object_or_404(SymptomGuide, pk=pk)
    _admin_only(request)
    form = GuideForm(request.POST or None, instance=guide)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.updated_by = request.user
        obj.save()
        messages.success(request, _("The guide was saved."))
        return redirect("incidents:guides")
    return render(request, "incidents/form.html", {"form": form, "title": guide.symptom.name,
                                                    "cancel_url": "incidents:guides"})
