"""Reference data managed by the DOST administrators: taxonomies and organisations."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diemcau.core.forms import BootstrapMixin
from diemcau.core.history import record_change, snapshot
from diemcau.core.models import ChangeAction
from diemcau.inventory.choices import Taxonomy
from diemcau.inventory.models import Organization, Term


def require_reference_admin(user) -> None:
    if not user.is_authenticated or not user.is_dost_admin:
        raise PermissionDenied


class TermForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Term
        fields = ["code", "name_vi", "name_en", "position", "is_active"]
        help_texts = {"code": gettext_lazy("Stable identifier used in imports and the API; cannot be changed later.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True


class OrganizationForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["code", "name", "kind", "address", "phone", "email", "escalation_contact", "escalation_phone",
                  "escalation_email", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = Term.objects.filter(taxonomy=Taxonomy.ORGANIZATION_KIND).order_by("position")


@login_required
def reference_index(request):
    require_reference_admin(request.user)
    counts = dict(Term.objects.values_list("taxonomy").annotate(n=Count("pk")))
    taxonomies = [(value, label, counts.get(value, 0)) for value, label in Taxonomy.choices]
    return render(request, "inventory/reference_index.html", {"taxonomies": taxonomies})


@login_required
def taxonomy_detail(request, taxonomy):
    require_reference_admin(request.user)
    if taxonomy not in Taxonomy.values:
        raise PermissionDenied
    terms = Term.objects.filter(taxonomy=taxonomy).order_by("position", "code")
    return render(request, "inventory/taxonomy_detail.html", {
        "taxonomy": taxonomy, "label": Taxonomy(taxonomy).label, "terms": terms,
    })


@login_required
def term_edit(request, taxonomy, pk=None):
    require_reference_admin(request.user)
    if taxonomy not in Taxonomy.values:
        raise PermissionDenied
    term = get_object_or_404(Term, pk=pk, taxonomy=taxonomy) if pk else Term(taxonomy=taxonomy)
    before = snapshot(term) if pk else None
    form = TermForm(request.POST or None, instance=term)
    if request.method == "POST" and form.is_valid():
        form.save()
        record_change(term, user=request.user, before=before,
                      action=ChangeAction.UPDATE if pk else ChangeAction.CREATE)
        messages.success(request, _("The reference term was saved."))
        return redirect("inventory:taxonomy", taxonomy=taxonomy)
    return render(request, "inventory/form.html", {
        "form": form, "object": term if pk else None, "title": Taxonomy(taxonomy).label,
        "cancel_url": f"/reference/{taxonomy}/",
    })


@login_required
def organization_edit(request, pk=None):
    require_reference_admin(request.user)
    org = get_object_or_404(Organization, pk=pk) if pk else Organization()
    before = snapshot(org) if pk else None
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        form.save()
        record_change(org, user=request.user, before=before, action=ChangeAction.UPDATE if pk else ChangeAction.CREATE)
        messages.success(request, _("The organisation was saved."))
        return redirect(org)
    return render(request, "inventory/form.html", {
        "form": form, "object": org if pk else None,
        "title": _("Edit organisation") if pk else _("New organisation"),
        "cancel_url": org.get_absolute_url() if pk else "inventory:organizations",
    })
