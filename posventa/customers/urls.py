from django.urls import path

from posventa.customers import views

app_name = "customers"

urlpatterns = [
    path("clientes/", views.portfolio_list, name="portfolio"),
    path("clientes/<id:pk>/", views.company_detail, name="detail"),
    path("clientes/<id:pk>/interacciones/", views.interaction_add, name="interaction_add"),
]
