from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig


class InventoryConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.inventory"
    label = "inventory"
    verbose_name = _("Inventory")
    url_prefix = ""
    nav_order = 10
    nav_primary = 1

    @property
    def nav(self):
        from diemcau.accounts.choices import Role

        return (
            (_("Sites"), "inventory:sites", None),
            (_("Organisations"), "inventory:organizations", None),
            (_("Devices"), "inventory:devices", None),
            (_("Links"), "inventory:links", None),
            (_("Reference data"), "inventory:reference", {Role.DOST_ADMIN}),
        )
