from django.urls import path

from posventa.indicators import views

app_name = "indicators"

urlpatterns = [
    path("indicadores/", views.dashboard, name="dashboard"),
    path("indicadores/casos/", views.cases_behind, name="cases"),
    path("indicadores/vigilancia/", views.watch, name="watch"),
    path("indicadores/tiempos/", views.time_spent, name="time_spent"),
    path("indicadores/cerrar/", views.close_month, name="close"),
    path("indicadores/cierre/", views.closed_month, name="closed"),
    path("indicadores/reporte.pdf", views.report_pdf, name="report_pdf"),
    path("indicadores/reporte.xlsx", views.report_xlsx, name="report_xlsx"),
]
