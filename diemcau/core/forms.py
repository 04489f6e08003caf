"""Bootstrap classes on every form widget, so templates just render ``{{ field }}``."""

from django import forms
from django.utils.translation import gettext_lazy as _

# The empty choice of every drop-down ("— chọn —"); filters say "All" instead.
# Django's "---------" is replaced everywhere by templates/django/forms/widgets/select_option.html.
PLACEHOLDER = _("— choose —")


def bootstrap(form: forms.BaseForm) -> forms.BaseForm:
    # Never touch form.errors here: it would validate the form before the
    # caller's __init__ has finished narrowing querysets.
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


class BootstrapMixin:
    """Adds Bootstrap classes to the widgets; ``is-invalid`` after validation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
