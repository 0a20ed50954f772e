from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "posventa.engine"
    verbose_name = _("BPMN engine")
