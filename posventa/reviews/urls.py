from django.urls import path

from posventa.reviews import views

app_name = "reviews"

urlpatterns = [
    path("revision-preventiva/", views.worklist, name="worklist"),
    path("revision-preventiva/actualizar/", views.refresh, name="refresh"),
    path("revision-preventiva/<id:pk>/revisar/", views.start, name="start"),
    path("revision-preventiva/informe-diario/", views.daily_report, name="daily_report"),
]
