from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TmfConfig(AppConfig):
    """The TM Forum Open API facades under /tmf-api/ (docs/tmf.md)."""

    name = "posventa.tmf"
    verbose_name = _("TM Forum Open APIs")
