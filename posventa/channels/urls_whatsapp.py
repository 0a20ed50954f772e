from django.urls import path

from posventa.channels import views_whatsapp

app_name = "whatsapp"
urlpatterns = [
    # The callback URL to register at Meta (docs/whatsapp.md).
    path("whatsapp/webhook/", views_whatsapp.webhook, name="webhook"),
]
