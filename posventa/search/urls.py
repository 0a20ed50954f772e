from django.urls import path

from posventa.search import views

app_name = "search"

urlpatterns = [
    path("buscar/", views.results, name="results"),
    path("buscar/sugerencias/", views.suggest, name="suggest"),
]
