from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("Provincial leader")
    DOST_ADMIN = "dost_admin", _("DOST administrator")
    DOST_STAFF = "dost_staff", _("DOST specialist")
    UNIT_HEAD = "unit_head", _("Head of unit")
    SITE_TECH = "site_tech", _("Site technical contact")
    OPERATOR = "operator", _("Telecom operator engineer")
    AUDITOR = "auditor", _("Auditor")


# Roles that see the whole province.
PROVINCE_WIDE_ROLES = {Role.LEADER, Role.DOST_ADMIN, Role.DOST_STAFF, Role.AUDITOR}
# Roles that may change any site's inventory.
PROVINCE_EDITOR_ROLES = {Role.DOST_ADMIN, Role.DOST_STAFF}
# Roles bound to their own organisation's sites.
UNIT_ROLES = {Role.UNIT_HEAD, Role.SITE_TECH}
