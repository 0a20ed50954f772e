from django.urls import path

from posventa.visits import views

app_name = "visits"

urlpatterns = [
    path("visitas/", views.calendar, name="calendar"),
    path("visitas/comercial/nueva/", views.plan_commercial, name="plan_commercial"),
    path("visitas/<id:pk>/mover/", views.move, name="move"),
    path("visitas/<id:pk>/cancelar/", views.cancel, name="cancel"),
    path("visitas/<id:pk>/servicio/", views.engineering_service, name="engineering_service"),
    path("visitas/<id:pk>/control-calidad/", views.quality_call, name="quality_call"),
    path("visitas/analista/<id:analyst_id>.ics", views.feed, name="feed"),
    path(
        "visitas/analista/<id:analyst_id>/<str:token>.ics",
        views.subscribed_feed,
        name="subscribed_feed",
    ),
    path("visitas/cronograma.pdf", views.schedule_form, name="schedule_form"),
    path("visitas/cronograma-soporte.pdf", views.support_schedule, name="support_schedule"),
]
