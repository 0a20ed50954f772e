from django.urls import path

from posventa.claims import views

app_name = "claims"

urlpatterns = [
    path("reclamos/", views.complaint_list, name="list"),
    path("reclamos/<int:pk>/", views.complaint_detail, name="detail"),
    path("reclamos/<int:pk>/respuesta/", views.complaint_answer, name="answer"),
]
