"""Forms of the standards app: requirements, platforms, profiles and a site's actual settings."""

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from diemcau.core.forms import BootstrapMixin
from diemcau.inventory.choices import AUDIO_CODECS, PROTOCOLS, VIDEO_CODECS
from diemcau.inventory.models import Organization
from diemcau.lib.collation import vi_order
from diemcau.standards.choices import CONTENT_SHARING, ENCRYPTION, Category, Verdict
from diemcau.standards.drift import SETTING_FIELDS
from diemcau.standards.models import ConfigProfile, Platform, Requirement, Standard
from diemcau.standards.rules import RULES, validate_rule


def _rule_help() -> str:
    lines = [f"{key}: {rule.description}" for key, rule in sorted(RULES.items())]
    return str(_("One rule type and its levels. Types: ")) + "; ".join(lines)


class StandardForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Standard
        fields = ["name", "version", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class NewDraftForm(BootstrapMixin, forms.Form):
    version = forms.CharField(label=_("New version"), max_length=40, help_text=_("e.g. 2026.2"))


class ImportStandardForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Standard file (YAML)"), help_text=_("Same layout as the shipped standard.yaml."))


class SettingsImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"), help_text=_("Start from the template: one row per site."))


def _levels(rule) -> tuple[str | None, str | None, dict | None]:
    """(FAIL key, WARN key, the levels dict) of a threshold rule, else Nones."""
    if not isinstance(rule, dict):
        return None, None, None
    for value in rule.values():
        if isinstance(value, dict):
            for direction in ("below", "above"):
                if f"fail_{direction}" in value:
                    return f"fail_{direction}", f"warn_{direction}", value
    return None, None, None


class RequirementForm(BootstrapMixin, forms.ModelForm):
    """A requirement; the FAIL and WARN levels of a threshold rule also have their own fields."""

    rule = forms.CharField(label=_("Rule"), widget=forms.Textarea(attrs={"rows": 2, "class": "font-monospace"}))
    fail_level = forms.DecimalField(label=_("FAIL level"), required=False, max_digits=10, decimal_places=3)
    warn_level = forms.DecimalField(label=_("WARN level"), required=False, max_digits=10, decimal_places=3)

    class Meta:
        model = Requirement
        fields = ["code", "category", "text", "fail_level", "warn_level", "rule", "severity", "source", "position"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2}), "source": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].help_text = _rule_help()
        fail_key, warn_key, levels = _levels(self.instance.rule)
        if levels is None:
            del self.fields["fail_level"], self.fields["warn_level"]
        else:
            below = fail_key.endswith("below")
            self.fields["fail_level"].help_text = (
                _("Below this the site does not meet the requirement.") if below
                else _("Above this the site does not meet the requirement."))
            self.fields["warn_level"].help_text = _("Meets it, with little margin, up to this level.")
            # Set also when bound: ``changed_data`` compares against it.
            self.initial["fail_level"] = levels.get(fail_key)
            self.initial["warn_level"] = levels.get(warn_key)
        if self.instance.pk and not self.is_bound:
            self.initial["rule"] = self.instance.rule_text

    def clean(self):
        data = super().clean()
        rule = data.get("rule")
        if "fail_level" not in self.fields or not isinstance(rule, dict):
            return data
        fail_key, warn_key, levels = _levels(rule)
        if levels is None:
            return data
        # A level typed in its own field wins over the same level in the rule text.
        for name, key in (("fail_level", fail_key), ("warn_level", warn_key)):
            if name in self.changed_data:
                if data.get(name) is None:
                    levels.pop(key, None)
                else:
                    levels[key] = float(data[name])
        errors = validate_rule(rule)
        if errors:
            self.add_error("fail_level", errors)
        data["rule"] = rule
        return data

    def clean_rule(self):
        text = self.cleaned_data["rule"]
        try:
            rule = yaml.safe_load(text)
        except yaml.YAMLError:
            raise forms.ValidationError(_("Write the rule as {type: value}, e.g. {has_backup_link: true}."))
        errors = validate_rule(rule)
        if errors:
            raise forms.ValidationError(errors)
        return rule

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        clash = Requirement.objects.filter(standard=self.instance.standard, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This standard already has a requirement %(code)s.") % {"code": code})
        return code


def _multi(label, names):
    return forms.MultipleChoiceField(
        label=label, required=False, choices=[(n, n) for n in names], widget=forms.CheckboxSelectMultiple,
    )


class PlatformForm(BootstrapMixin, forms.ModelForm):
    protocols = _multi(_("Protocols"), PROTOCOLS)
    video_codecs = _multi(_("Video codecs"), VIDEO_CODECS)
    audio_codecs = _multi(_("Audio codecs"), AUDIO_CODECS)
    content_sharing = _multi(_("Content sharing"), CONTENT_SHARING)
    encryption = _multi(_("Encryption"), ENCRYPTION)
    soft_clients = forms.CharField(
        label=_("Accepted meeting software"), required=False,
        help_text=_("Comma-separated, e.g. Google Chrome, Microsoft Edge, Cisco Webex."),
    )
    min_firmware = forms.CharField(
        label=_("Minimum firmware"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One line each: manufacturer | model (may be empty) | version, e.g. Poly | Group | 6.2.2"),
    )

    class Meta:
        model = Platform
        fields = [
            "name", "code", "description", "reference", "protocols", "video_codecs", "audio_codecs",
            "min_resolution", "max_resolution", "content_sharing", "encryption", "encryption_required",
            "soft_clients", "min_firmware", "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["soft_clients"] = ", ".join(self.instance.soft_clients or [])
            self.initial["min_firmware"] = "\n".join(
                f"{e.get('manufacturer', '')} | {e.get('model', '')} | {e.get('version', '')}"
                for e in self.instance.min_firmware or []
            )

    def clean_soft_clients(self):
        return [c.strip() for c in self.cleaned_data["soft_clients"].split(",") if c.strip()]

    def clean_min_firmware(self):
        entries = []
        for number, line in enumerate(self.cleaned_data["min_firmware"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not parts[0] or not parts[2]:
                raise forms.ValidationError(_("Line %(n)s: write manufacturer | model | version.") % {"n": number})
            entries.append({"manufacturer": parts[0], "model": parts[1], "version": parts[2]})
        return entries


def setting_form_field(field):
    """A form field for one configuration setting (used by profiles and site settings)."""
    common = {"label": field.label, "required": False, "help_text": field.help}
    if field.unit:
        common["label"] = f"{field.label} ({field.unit})"
    if field.kind == "int":
        return forms.IntegerField(**common)
    if field.kind == "bool":
        return forms.NullBooleanField(**common, widget=forms.Select(
            choices=[("unknown", "—"), ("true", _("On")), ("false", _("Off"))]))
    if field.kind == "choice":
        return forms.ChoiceField(**common, choices=[("", "—")] + [(c, c) for c in field.choices])
    return forms.CharField(**common, max_length=200)


class SettingsFieldsMixin:
    """Adds one field per configuration setting, prefixed ``set_``; ``settings_values()`` reads them."""

    def add_setting_fields(self, values: dict):
        for field in SETTING_FIELDS:
            self.fields[f"set_{field.key}"] = setting_form_field(field)
            if not self.is_bound and field.key in (values or {}):
                self.initial[f"set_{field.key}"] = values[field.key]

    def settings_values(self) -> dict:
        values = {}
        for field in SETTING_FIELDS:
            value = self.cleaned_data.get(f"set_{field.key}")
            if value not in (None, ""):
                values[field.key] = value
        return values


class ProfileForm(SettingsFieldsMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ConfigProfile
        fields = ["name", "code", "description", "is_default", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_setting_fields(self.instance.settings)
        from diemcau.core.forms import bootstrap

        bootstrap(self)


class SiteSettingsForm(SettingsFieldsMixin, BootstrapMixin, forms.Form):
    profile = forms.ModelChoiceField(
        label=_("Profile to follow"), required=False, queryset=ConfigProfile.objects.filter(is_active=True),
        empty_label=_("The default profile"),
    )

    def __init__(self, *args, values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_setting_fields(values or {})
        from diemcau.core.forms import bootstrap

        bootstrap(self)


class MatrixFilter(BootstrapMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"), required=False, empty_label=_("All"), to_field_name="code",
        queryset=Organization.objects.units().filter(is_active=True).order_by(vi_order("name")),
    )
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", _("All"))] + Category.choices)
    verdict = forms.ChoiceField(label=_("Verdict"), required=False, choices=[("", _("All"))] + Verdict.choices)
