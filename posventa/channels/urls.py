"""The channels' pages: the triage inbox (urls_triage) and WhatsApp's
webhook (urls_whatsapp)."""

from django.urls import include, path

urlpatterns = [
    path("", include("posventa.channels.urls_triage")),
    path("", include("posventa.channels.urls_whatsapp")),
]
