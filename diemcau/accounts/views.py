"""Sign-in, the user's own profile and API tokens, and account management."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.accounts.access import require_user_admin
from diemcau.accounts.forms import TokenForm, UserForm
from diemcau.accounts.models import ApiToken, User
from diemcau.lib.text import fold


@login_required
def profile(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    tokens = request.user.api_tokens.all()
    return render(request, "accounts/profile.html", {"form": form, "tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


@login_required
def user_list(request):
    require_user_admin(request.user)
    users = User.objects.select_related("organization").order_by("organization__name", "username")
    q = request.GET.get("q", "").strip()
    if q:
        folded = fold(q)
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
            | Q(organization__search_text__contains=folded)
        )
    if request.GET.get("role"):
        users = users.filter(role=request.GET["role"])
    page = Paginator(users, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": q, "roles": User._meta.get_field("role").choices})


@login_required
def user_edit(request, pk=None):
    require_user_admin(request.user)
    instance = get_object_or_404(User, pk=pk) if pk else None
    form = UserForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The account was saved."))
        return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "object": instance})
