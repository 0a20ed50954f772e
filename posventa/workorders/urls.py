from django.urls import path

from posventa.workorders import views

app_name = "workorders"

urlpatterns = [
    path("ordenes-de-trabajo/", views.work_order_list, name="list"),
    path("ordenes-de-trabajo/<number:number>/", views.work_order_detail, name="detail"),
    path("ordenes-de-trabajo/<number:number>/asignar/", views.work_order_assign, name="assign"),
    path("ordenes-de-trabajo/<number:number>/cerrar/", views.work_order_close, name="close"),
]
