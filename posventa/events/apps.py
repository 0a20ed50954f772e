from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Business events (a case opened, a state changed…) and their signed
    webhooks to the subscribers of the TMF688 hubs (docs/tmf.md)."""

    name = "posventa.events"
    verbose_name = _("Events and webhooks")
