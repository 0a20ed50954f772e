"""/tmf-api/: the TM Forum Open API facades (posventa/tmf/api.py)."""

from django.urls import path

from posventa.tmf.api import api

urlpatterns = [path("", api.urls)]
