"""The shell around every page: logging in and out, the menu by role, formats."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from posventa.accounts.roles import Role
from posventa.factories import PASSWORD, CompanyFactory, UserFactory
from posventa.web.context_processors import navigation

pytestmark = pytest.mark.django_db


def menu_labels(user) -> list[str]:
    request = RequestFactory().get("/clientes/")
    request.user = user
    with translation.override("es"):
        return [str(item["label"]) for item in navigation(request)["menu"]]


def test_the_login_page_is_in_spanish_and_accessible(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="es">' in page
    assert "Saltar al contenido" in page and 'href="#main"' in page
    assert re.search(r'<label[^>]*for="id_username"[^>]*>Nombre de usuario', page)
    assert re.search(r'<label[^>]*for="id_password"[^>]*>Contraseña', page)
    assert "Ingresar" in page
    assert "Cerrar sesión" not in page  # no menu before logging in


def test_a_wrong_password_gets_a_spanish_message(client):
    UserFactory(username="ana")
    response = client.post(reverse("login"), {"username": "ana", "password": "no"})
    assert response.status_code == 200
    assert "Por favor, introduzca un nombre de usuario y clave correctos" in (
        response.content.decode()
    )


def test_logging_in_and_out(client):
    UserFactory(username="ana", first_name="Ana", last_name="Lima", role=Role.EXECUTIVE)
    response = client.post(reverse("login"), {"username": "ana", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "Ana Lima" in page and "Ejecutivo(a) de empresas" in page
    # Logging out is a form that posts: a link (GET) could be followed by a prefetch.
    assert re.search(r'<form method="post" action="/salir/"', page)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("customers:portfolio")).status_code == 302


@pytest.mark.parametrize(
    ("role", "staff", "shown", "hidden"),
    [
        (Role.EXECUTIVE, False, ["Mi cartera"], ["Cartera", "Administración"]),
        (Role.COMMERCIAL_MANAGER, False, ["Cartera"], ["Mi cartera", "Administración"]),
        (Role.TEAM_LEAD, False, ["Cartera"], ["Mi cartera", "Administración"]),
        (Role.DIVISION_HEAD, True, ["Cartera", "Administración"], ["Mi cartera"]),
    ],
)
def test_the_menu_follows_the_role(role, staff, shown, hidden):
    labels = menu_labels(UserFactory(role=role, is_staff=staff))
    assert all(label in labels for label in shown)
    assert not any(label in labels for label in hidden)


def test_the_menu_marks_the_current_page(client):
    user = UserFactory(role=Role.EXECUTIVE)
    client.force_login(user)
    page = client.get(reverse("customers:portfolio")).content.decode()
    assert re.search(r'class="nav-link active" aria-current="page" href="/clientes/"', page)
    assert 'class="navbar-toggler"' in page and 'aria-label="Abrir el menú"' in page


def test_nobody_logged_in_has_no_menu():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert navigation(request) == {}


def test_messages_show_as_bootstrap_alerts(client, make_user):
    user = make_user(Role.EXECUTIVE)
    client.force_login(user)
    company = CompanyFactory(executive=user)
    client.post(
        reverse("customers:interaction_add", args=[company.pk]),
        {"channel": "phone", "direction": "outbound", "summary": "Hola."},
    )
    page = client.get(reverse("customers:detail", args=[company.pk])).content.decode()
    assert re.search(r'class="alert alert-success alert-dismissible[^"]*" role="status"', page)
    assert 'aria-label="Cerrar"' in page


def render(template: str, **context) -> str:
    with translation.override("es"), timezone.override("America/La_Paz"):
        return Template("{% load web %}" + template).render(Context(context))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234.5"), "Bs 1.234,50"),
        (Decimal("0"), "Bs 0,00"),
        ("1000000", "Bs 1.000.000,00"),
        (None, ""),
    ],
)
def test_amounts_are_written_the_bolivian_way(value, shown):
    assert render("{{ value|bs }}", value=value) == shown


def test_dates_and_times_are_day_first_in_la_paz():
    moment = datetime(2026, 11, 28, 2, 5, tzinfo=UTC)
    assert render("{{ d|date }}", d=date(2026, 11, 28)) == "28/11/2026"
    assert render("{{ d|date:'SHORT_DATE_FORMAT' }}", d=date(2026, 1, 5)) == "05/01/2026"
    assert render("{{ m }}", m=moment) == "27/11/2026 22:05"
    assert render("{{ m|time }}", m=moment) == "22:05"


def test_a_page_that_does_not_exist_answers_in_spanish(client, settings):
    settings.DEBUG = False
    client.force_login(UserFactory(role=Role.EXECUTIVE))
    response = client.get("/clientes/999999/")
    assert response.status_code == 404
    assert "Página no encontrada" in response.content.decode()


def test_the_htmx_error_texts_are_on_the_page(client):
    client.force_login(UserFactory(role=Role.EXECUTIVE))
    page = client.get(reverse("customers:portfolio")).content.decode()
    assert 'data-forbidden-text="No puede hacer esto' in page
    assert 'data-offline-text="No hay conexión con el servidor' in page
    assert '<div id="page-alerts"></div>' in page
    assert "X-CSRFToken" in page


def test_the_server_error_page_needs_no_request():
    from django.views.defaults import server_error

    with translation.override("es"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Error del servidor" in response.content.decode()
