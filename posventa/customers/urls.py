from django.urls import path

from posventa.customers import exports, views

app_name = "customers"

urlpatterns = [
    path("clientes/", views.portfolio_list, name="portfolio"),
    path("clientes/productos.xlsx", exports.products_xlsx, name="products_xlsx"),
    path("clientes/<id:pk>/", views.company_detail, name="detail"),
    path("clientes/<id:pk>/interacciones/", views.interaction_add, name="interaction_add"),
]
