"""A team member's own password. Unnamespaced names, as Django's views and
the login page expect them ("password_reset_done", "password_reset_confirm"…)."""

from django.urls import path

from posventa.accounts import views

urlpatterns = [
    path("cuenta/contrasena/", views.PasswordChange.as_view(), name="password_change"),
    path("entrar/olvide/", views.PasswordReset.as_view(), name="password_reset"),
    path("entrar/olvide/enviado/", views.PasswordResetDone.as_view(), name="password_reset_done"),
    path(
        "entrar/restablecer/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "entrar/restablecer/listo/",
        views.PasswordResetComplete.as_view(),
        name="password_reset_complete",
    ),
]
