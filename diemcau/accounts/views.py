"""Sign-in (with the lock and the per-address throttle), two-step verification, the user's
own account (password, MFA, API tokens), and account management."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.accounts import mfa, throttle
from diemcau.accounts.access import can_see_locks, require_user_admin
from diemcau.accounts.forms import (
    MfaCodeForm,
    MfaDisableForm,
    PasswordChangeForm,
    SignInForm,
    TokenForm,
    UserForm,
)
from diemcau.accounts.locks import account_unlock, locked_accounts
from diemcau.accounts.middleware import MFA_PENDING
from diemcau.accounts.models import ApiToken, User
from diemcau.audit.choices import AuditAction
from diemcau.audit.services import record
from diemcau.lib.collation import vi_order
from diemcau.lib.text import fold

# Sign-in ---------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    """Django's sign-in, refused (429) while this address is throttled; axes handles the account lock."""

    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if throttle.login_blocked(request):
            record(AuditAction.LOGIN_THROTTLED, request=request, actor_name=request.POST.get("username", "")[:150])
            form = self.get_form_class()(request)
            return self.render_to_response(
                self.get_context_data(form=form, refused=_(
                    "Too many failed sign-ins from this address. Wait %(minutes)d minutes and try again."
                ) % {"minutes": settings.LOGIN_IP_WINDOW_MINUTES}), status=429,
            )
        return super().post(request, *args, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lock response: the sign-in page with the reason, status 429."""
    cooloff = settings.AXES_COOLOFF_TIME
    if cooloff:
        reason = _(
            "This account is locked after %(count)d failed sign-ins. Try again in %(minutes)d minutes, "
            "or ask the Department's administrator to unlock it."
        ) % {"count": settings.AXES_FAILURE_LIMIT, "minutes": int(cooloff.total_seconds() // 60)}
    else:
        reason = _(
            "This account is locked after %(count)d failed sign-ins. Ask the Department's administrator to unlock it."
        ) % {"count": settings.AXES_FAILURE_LIMIT}
    form = SignInForm(request, data=None, initial={"username": (credentials or {}).get("username", "")})
    return render(request, "accounts/login.html", {"form": form, "refused": reason, "next": request.POST.get("next", "")},
                  status=429)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# Two-step verification ---------------------------------------------------------


@login_required
def mfa_verify(request):
    """The second step after the password (or a fresh check before a sensitive action)."""
    if not mfa.has_mfa(request.user):
        return redirect(f"{reverse('accounts:mfa_setup')}?next={_next_url(request, '')}")
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST":
        if throttle.login_blocked(request):
            record(AuditAction.LOGIN_THROTTLED, request=request)
            form.add_error(None, _("Too many wrong codes from this address. Wait %(minutes)d minutes and try again.")
                           % {"minutes": settings.LOGIN_IP_WINDOW_MINUTES})
            return render(request, "accounts/mfa_verify.html", {"form": form}, status=429)
        if form.is_valid():
            device = mfa.verify_code(request.user, form.cleaned_data["code"])
            if device is not None:
                mfa.mark_verified(request, device)
                request.session[MFA_PENDING] = False
                recovery = device.name == "recovery"
                record(AuditAction.RECOVERY_CODE_USED if recovery else AuditAction.MFA_VERIFIED, request=request,
                       details={"left": mfa.recovery_codes_left(request.user)} if recovery else {})
                if recovery:
                    messages.warning(request, _("You used a recovery code; %(n)d left. Make new ones on your account page if few remain.")
                                     % {"n": mfa.recovery_codes_left(request.user)})
                return redirect(_next_url(request, settings.LOGIN_REDIRECT_URL and reverse(settings.LOGIN_REDIRECT_URL)))
            record(AuditAction.MFA_FAILED, request=request)
            form.add_error("code", _("This code is not right, or it was already used. Check the time on your phone."))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request, "")})


@login_required
def mfa_setup(request):
    """Enrol an authenticator app: scan the QR code (drawn here), type a code, keep the recovery codes."""
    user = request.user
    if mfa.has_mfa(user) and not request.user.is_verified():
        return redirect("accounts:mfa_verify")
    device = mfa.pending_totp(user)
    form = MfaCodeForm(request.POST or None, numeric=True)
    if request.method == "POST" and form.is_valid():
        if device.verify_token("".join(form.cleaned_data["code"].split())):
            codes = mfa.mfa_enable(user=user, device=device)
            mfa.mark_verified(request, device)
            request.session[MFA_PENDING] = False
            record(AuditAction.MFA_ENABLED, request=request, target=user)
            record(AuditAction.RECOVERY_CODES, request=request, target=user)
            return render(request, "accounts/mfa_codes.html", {"codes": codes, "next": _next_url(request, reverse("accounts:profile"))})
        record(AuditAction.MFA_FAILED, request=request, details={"enrolment": True})
        form.add_error("code", _("This code is not right. Check that the time on your phone is correct and type the newest code."))
    return render(request, "accounts/mfa_setup.html", {
        "form": form, "qr": mfa.qr_svg(device), "key": mfa.readable_key(device),
        "required": mfa.mfa_required(user), "next": _next_url(request, ""),
    })


@login_required
@require_POST
def mfa_recovery_codes(request):
    if not mfa.recently_verified(request):
        messages.info(request, _("Confirm with a code from your authenticator app first."))
        return redirect(f"{reverse('accounts:mfa_verify')}?next={reverse('accounts:profile')}")
    codes = mfa.recovery_codes_issue(user=request.user)
    record(AuditAction.RECOVERY_CODES, request=request, target=request.user)
    return render(request, "accounts/mfa_codes.html", {"codes": codes, "next": reverse("accounts:profile")})


@login_required
@require_POST
def mfa_disable(request):
    """Turn off the second step: not for roles that require it; the password must then meet the longer rule."""
    user = request.user
    if mfa.mfa_required(user):
        raise PermissionDenied
    form = MfaDisableForm(user, request.POST)
    if form.is_valid():
        mfa.mfa_disable(user=user)
        request.session[MFA_PENDING] = False
        record(AuditAction.MFA_DISABLED, request=request, target=user)
        messages.success(request, _("Two-step verification is off."))
    else:
        for error in form.errors.get("password", []):
            messages.error(request, error)
    return redirect("accounts:profile")


# The user's own account ----------------------------------------------------------


@login_required
def profile(request):
    user = request.user
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        # A token acts without a second step, so it is only issued right after one.
        if not mfa.has_mfa(user):
            messages.info(request, _("Creating an API token needs two-step verification. Set it up first."))
            return redirect(f"{reverse('accounts:mfa_setup')}?next={reverse('accounts:profile')}")
        if not mfa.recently_verified(request):
            messages.info(request, _("Creating an API token needs a fresh code from your authenticator app."))
            return redirect(f"{reverse('accounts:mfa_verify')}?next={reverse('accounts:profile')}")
        if form.is_valid():
            token, new_key = ApiToken.issue(user=user, name=form.cleaned_data["name"])
            record(AuditAction.TOKEN_CREATED, request=request, target=token)
            form = TokenForm()
    return render(request, "accounts/profile.html", {
        "form": form, "tokens": user.api_tokens.all(), "new_key": new_key,
        "has_mfa": mfa.has_mfa(user), "mfa_required": mfa.mfa_required(user),
        "recovery_left": mfa.recovery_codes_left(user), "recently_verified": mfa.recently_verified(request),
    })


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(AuditAction.TOKEN_REVOKED, request=request, target=token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        record(AuditAction.PASSWORD_CHANGED, request=request, target=form.user)
        messages.success(request, _("Your password was changed. Other signed-in browsers were signed out."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@require_POST
def session_keepalive(request):
    """The page's "stay signed in" button: any signed-in request counts as activity."""
    return HttpResponse(status=204)


# Account management (DOST administrators) -----------------------------------------


@login_required
def user_list(request):
    require_user_admin(request.user)
    users = User.objects.select_related("organization").order_by(vi_order("organization__name"), "username")
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
    locked = {lock.username for lock in locked_accounts()}
    return render(request, "accounts/user_list.html", {
        "page": page, "q": q, "roles": User._meta.get_field("role").choices, "locked": locked,
    })


ROLE_FIELDS = ("role", "organization", "is_active", "is_wall_display")


@login_required
def user_edit(request, pk=None):
    require_user_admin(request.user)
    instance = get_object_or_404(User, pk=pk) if pk else None
    before = {f: str(getattr(instance, f)) for f in ROLE_FIELDS} if instance else None
    form = UserForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        _record_user_change(request, user, before, form)
        messages.success(request, _("The account was saved."))
        return redirect("accounts:users")
    locks = [lock for lock in locked_accounts() if instance and lock.username == instance.username]
    return render(request, "accounts/user_form.html", {
        "form": form, "object": instance, "lock": locks[0] if locks else None,
        "has_mfa": instance is not None and mfa.has_mfa(instance),
    })


def _record_user_change(request, user, before, form):
    if before is None:
        record(AuditAction.USER_CREATED, request=request, target=user,
               details={"role": user.role, "organization": str(user.organization)})
        return
    after = {f: str(getattr(user, f)) for f in ROLE_FIELDS}
    changed = {f: [before[f], after[f]] for f in ROLE_FIELDS if before[f] != after[f]}
    if changed:
        record(AuditAction.ROLE_CHANGED, request=request, target=user, details=changed)
    other = [f for f in form.changed_data if f not in ROLE_FIELDS and f != "password"]
    if other:
        record(AuditAction.USER_CHANGED, request=request, target=user, details={"fields": other})
    if form.cleaned_data.get("password"):
        record(AuditAction.PASSWORD_CHANGED, request=request, target=user, details={"by_administrator": True})


@login_required
@require_POST
def user_mfa_reset(request, pk):
    """A lost phone: the administrator removes the user's authenticator and recovery codes."""
    require_user_admin(request.user)
    user = get_object_or_404(User, pk=pk)
    mfa.mfa_disable(user=user)
    record(AuditAction.MFA_DISABLED, request=request, target=user, details={"by_administrator": True})
    messages.success(request, _("Two-step verification of %(user)s was reset; they set it up again at their next sign-in.")
                     % {"user": user.username})
    return redirect("accounts:user_edit", pk=user.pk)


@login_required
def lock_list(request):
    if not can_see_locks(request.user):
        raise PermissionDenied
    return render(request, "accounts/locks.html", {
        "locks": locked_accounts(), "can_unlock": request.user.is_dost_admin,
        "limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        if settings.AXES_COOLOFF_TIME else 0,
    })


@login_required
@require_POST
def unlock(request):
    require_user_admin(request.user)
    username = request.POST.get("username", "")
    if account_unlock(username=username, request=request):
        messages.success(request, _("%(user)s can sign in again.") % {"user": username})
    return redirect(_next_url(request, reverse("accounts:locks")))
