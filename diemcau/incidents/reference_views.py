"""Pages where the department keeps the rules: SLA policies, the calendar, the knowledge base, webhooks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.incidents import access
from diemcau.incidents.forms import CalendarDayForm, GuideForm, PolicyForm, WebhookForm
from diemcau.incidents.models import CalendarDay, SlaPolicy, SymptomGuide, WebhookEndpoint
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
        "webhooks": WebhookEndpoint.objects.select_related("organization") if request.user.is_dost_admin else [],
        "can_manage": access.can_manage_reference(request.user),
        "calendar_form": CalendarDayForm(),
    })


def _edit(request, *, form_class, instance, title, success):
    _admin_only(request)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if hasattr(obj, "updated_by_id"):
            obj.updated_by = request.user
        obj.save()
        messages.success(request, success)
        return redirect(request.GET.get("next") or "incidents:settings")
    return render(request, "incidents/form.html", {"form": form, "title": title,
                                                    "cancel_url": "incidents:settings"})


@login_required
def policy_edit(request, pk=None):
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk else None
    return _edit(request, form_class=PolicyForm, instance=policy, title=_("SLA policy"),
                 success=_("The SLA policy was saved. New targets apply from the next change of each incident."))


@login_required
def calendar_add(request):
    return _edit(request, form_class=CalendarDayForm, instance=None, title=_("Calendar day"),
                 success=_("The calendar day was saved."))


@login_required
@require_POST
def calendar_delete(request, pk):
    _admin_only(request)
    get_object_or_404(CalendarDay, pk=pk).delete()
    messages.success(request, _("The calendar day was removed."))
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
