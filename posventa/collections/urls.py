from django.urls import path

from posventa.collections import views

app_name = "collections"

urlpatterns = [
    path("cobranza/", views.debtors, name="debtors"),
    path("cobranza/clientes/<id:company_pk>/llamar/", views.call, name="call"),
    path("cobranza/proformas/", views.proformas, name="proformas"),
    path("cobranza/proformas/<id:pk>/avance/", views.run_progress, name="progress"),
    path("cobranza/proformas/lista/", views.proforma_list, name="proforma_list"),
    path("cobranza/proformas/archivo/<id:pk>/", views.proforma_download, name="proforma_download"),
]
