from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "posventa.cases"
    verbose_name = _("Cases")

    def ready(self):
        from posventa.cases import process_hooks

        process_hooks.connect()
