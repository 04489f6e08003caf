from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # The attempt is recorded (committed) before the message leaves; the outcome follows.
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    # The attempt was made but its outcome is unknown (the worker stopped, the receiver never
    # answered, the outcome could not be saved): never sent again without a person deciding.
    UNCERTAIN = "uncertain", _("Outcome unknown")
    FAILED = "failed", _("Failed")
