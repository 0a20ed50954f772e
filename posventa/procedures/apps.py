from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

MODELS_DIR = Path(__file__).resolve().parent


class ProceduresConfig(AppConfig):
    name = "posventa.procedures"
    verbose_name = _("Procedures")

    def ready(self):
        from posventa.engine.registry import registry
        from posventa.procedures import actions, forms  # noqa: F401 — they register themselves
        from posventa.procedures.catalog import LANES

        for lane, role in LANES.items():
            registry.register_lane(lane, role)
