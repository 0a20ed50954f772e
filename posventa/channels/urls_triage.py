"""The triage inbox: the messages customers sent by e-mail or WhatsApp that
wait to become cases (/mensajes/), and one message with its actions."""

from django.urls import path

from posventa.channels import views_triage as views

app_name = "triage"
urlpatterns = [
    path("mensajes/", views.triage_list, name="list"),
    path("mensajes/<id:pk>/", views.message_detail, name="message"),
    path("mensajes/<id:pk>/abrir-caso/", views.message_open_case, name="open_case"),
    path("mensajes/<id:pk>/agregar-a-caso/", views.message_thread, name="thread"),
    path("mensajes/<id:pk>/no-es-solicitud/", views.message_not_request, name="not_request"),
    path("mensajes/<id:pk>/asignar/", views.message_assign, name="assign"),
    path("mensajes/<id:pk>/original/", views.message_raw, name="raw"),
    path(
        "mensajes/<id:pk>/adjuntos/<id:attachment_pk>/",
        views.message_attachment,
        name="attachment",
    ),
]
