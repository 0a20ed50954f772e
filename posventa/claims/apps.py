from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "posventa.claims"
    verbose_name = _("Billing complaints")
