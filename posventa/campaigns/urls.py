from django.urls import path

from posventa.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("campanas/", views.campaign_list, name="list"),
    path("campanas/<id:pk>/", views.campaign_detail, name="detail"),
    path("campanas/llamadas/<id:pk>/llamar/", views.call, name="call"),
]
