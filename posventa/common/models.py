from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every row knows when it was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Channel(models.TextChoices):
    """How a customer reaches us, or we reach them (the manual's channels)."""

    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")
