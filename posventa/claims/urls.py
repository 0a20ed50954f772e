from django.urls import path

from posventa.claims import views

app_name = "claims"

urlpatterns = [
    path("reclamos/", views.complaint_list, name="list"),
    path("reclamos/<id:pk>/", views.complaint_detail, name="detail"),
    path("reclamos/<id:pk>/respuesta/", views.complaint_answer, name="answer"),
]
