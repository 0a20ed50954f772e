from django.urls import path

from posventa.imports import views

app_name = "imports"

urlpatterns = [
    path("importaciones/", views.runs, name="list"),
    path("importaciones/<id:pk>/", views.detail, name="detail"),
    path("importaciones/<id:pk>/columnas/", views.map_columns, name="map"),
    path("importaciones/<id:pk>/confirmar/", views.confirm, name="confirm"),
    path("importaciones/<id:pk>/cancelar/", views.cancel, name="cancel"),
    path("importaciones/<id:pk>/avance/", views.progress, name="progress"),
    path("importaciones/<id:pk>/informe/", views.report, name="report"),
]
