from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from diemcau.accounts.models import User
from diemcau.accounts.passwords import LengthValidator
from diemcau.core.forms import BootstrapMixin


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in form, with the messages in the project's words."""

    error_messages = {
        "invalid_login": _("The username or password is not right. After %(limit)s failed tries in a row the account is locked for a while."),
        "inactive": _("This account is disabled. Ask the Department's administrator."),
    }

    def get_invalid_login_error(self):
        from django.conf import settings

        return ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                               params={"limit": settings.AXES_FAILURE_LIMIT})


class UserForm(BootstrapMixin, forms.ModelForm):
    """A dost_admin creates or edits an account; the password is optional on edit.

    The password is checked once the form has put the new username, names and
    role on the account, so "too similar to the username" and the length for
    the role apply at creation too.
    """

    password = forms.CharField(
        label=_("Password"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "phone", "role", "organization", "is_active",
                  "is_wall_display"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = self.fields["organization"].queryset
        self.fields["organization"].queryset = organizations.filter(is_active=True).select_related("kind")
        help_text = LengthValidator().get_help_text()
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = help_text
        else:
            self.fields["password"].help_text = f"{help_text} {self.fields['password'].help_text}"

    def _post_clean(self):
        super()._post_clean()
        password = self.cleaned_data.get("password")
        if password:
            try:
                validate_password(password, self.instance)
            except ValidationError as error:
                self.add_error("password", error)

    def save(self, commit=True):
        user = super().save(commit=False)
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
        return user


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    """The user's own password: the current one, then the new one twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = " ".join(dict.fromkeys(password_validators_help_texts()))
        for name in ("old_password", "new_password1", "new_password2"):
            self.fields[name].widget.attrs.pop("autofocus", None)
        self.fields["old_password"].widget.attrs["autofocus"] = True


class MfaCodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)

    def __init__(self, *args, numeric: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        attrs = self.fields["code"].widget.attrs
        attrs.update({"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false",
                      "autofocus": True, "class": attrs.get("class", "") + " form-control-lg font-monospace"})
        if numeric:
            attrs.update({"inputmode": "numeric", "pattern": "[0-9 ]*"})
            self.fields["code"].label = _("6-digit code from the app")
        else:
            self.fields["code"].label = _("6-digit code from the app, or a recovery code")


class MfaDisableForm(forms.Form):
    """Turning the second step off asks for the password, which must then meet the longer rule."""

    password = forms.CharField(widget=forms.PasswordInput)

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        from django.conf import settings

        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not right."))
        if len(password) < settings.PASSWORD_MIN_LENGTH:
            raise ValidationError(
                _("Without two-step verification a password needs at least %(n)d characters. Change your password first.")
                % {"n": settings.PASSWORD_MIN_LENGTH}
            )
        return password


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80, help_text=_("What the token is for, e.g. 'monitoring'."))
