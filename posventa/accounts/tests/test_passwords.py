"""Sessions and passwords: a session ends after 8 idle hours, changing the
password ends her other sessions, and a forgotten password is reset by e-mail
without telling anyone whether an address exists."""

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 16, 8, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "otra-clave-segura-456"


def is_logged_in(client) -> bool:
    return client.get(reverse("cases:inbox")).status_code == 200


def can_log_in(username: str, password: str) -> bool:
    answer = Client().post(reverse("login"), {"username": username, "password": password})
    return answer.status_code == 302


# --- sessions ---------------------------------------------------------------------------


def test_a_session_idle_for_more_than_8_hours_is_gone(client, team):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(team[Role.EXECUTIVE])
        assert is_logged_in(client)
        traveller.shift(dt.timedelta(hours=8, minutes=1))
        answer = client.get(reverse("cases:inbox"))
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("login"))


def test_a_session_in_use_stays_past_8_hours(client, team):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(team[Role.EXECUTIVE])
        for _ in range(12):  # a working day, a page every hour
            traveller.shift(dt.timedelta(hours=1))
            assert is_logged_in(client)


# --- changing one's password ------------------------------------------------------------


def test_every_team_member_finds_change_password_in_the_menu(client, team):
    for user in team.values():
        client.force_login(user)
        page = client.get(reverse("web:home"), follow=True).content.decode()
        assert f'href="{reverse("password_change")}">Cambiar contraseña</a>' in page


def test_the_change_password_page_is_in_the_site_layout(client, team):
    client.force_login(team[Role.TECHNICAL_ANALYST])
    page = client.get(reverse("password_change")).content.decode()
    assert '<html lang="es">' in page and 'name="viewport"' in page
    assert 'class="navbar-toggler"' in page  # the phone menu of the base layout
    assert '<h1 class="h4">Cambiar contraseña</h1>' in page
    assert re.search(r'<label[^>]*for="id_old_password"[^>]*>Contraseña antigua', page)
    assert re.search(r'<label[^>]*for="id_new_password1"[^>]*>Contraseña nueva', page)


def test_someone_not_logged_in_is_sent_to_log_in(client):
    answer = client.get(reverse("password_change"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))


def test_changing_the_password_ends_her_other_sessions_and_keeps_this_one(client, team):
    user = team[Role.EXECUTIVE]
    phone = Client()
    client.force_login(user)
    phone.force_login(user)
    answer = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Su contraseña fue cambiada" in answer.content.decode()
    assert is_logged_in(client)
    assert not is_logged_in(phone)
    assert can_log_in(user.username, NEW_PASSWORD)
    assert not can_log_in(user.username, PASSWORD)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("no-es-la-clave", NEW_PASSWORD, "Su contraseña antigua es incorrecta"),
        (PASSWORD, "corta1", "La contraseña es demasiado corta"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client, team, old, new, message):
    user = team[Role.EXECUTIVE]
    client.force_login(user)
    answer = client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert can_log_in(user.username, PASSWORD)


# --- resetting a forgotten password by e-mail -------------------------------------------


def ask_for_a_link(client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def the_link() -> str:
    [message] = mail.outbox
    return re.search(r"http://testserver(/entrar/restablecer/\S+/)", message.body).group(1)


def choose(client, link: str, password: str):
    form = client.get(link, follow=True)
    return client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


def test_the_login_page_offers_to_reset_a_forgotten_password(client):
    page = client.get(reverse("login")).content.decode()
    assert f'<a href="{reverse("password_reset")}">¿Olvidó su contraseña?</a>' in page
    assert reverse("password_reset") == "/entrar/olvide/"


def test_resetting_a_password_by_e_mail_from_start_to_end(client, team):
    user = team[Role.COMMERCIAL_MANAGER]
    answer = ask_for_a_link(client, user.email.upper())  # the address, however written
    assert answer.status_code == 302 and answer["Location"] == reverse("password_reset_done")
    assert (
        "Si la dirección pertenece a un miembro del equipo" in client.get(answer["Location"]).text
    )

    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Posventa: elija una contraseña nueva"
    assert f"Hola, {user.get_full_name()}:" in message.body
    assert "El enlace sirve una sola vez y durante 60 minutos." in message.body
    assert f"Su nombre de usuario es {user.username}." in message.body

    link = the_link()
    done = choose(client, link, NEW_PASSWORD)
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert "Su contraseña nueva quedó guardada" in done.content.decode()
    assert can_log_in(user.username, NEW_PASSWORD)
    assert not can_log_in(user.username, PASSWORD)
    # The link works once.
    again = Client().get(link, follow=True).content.decode()
    assert "Este enlace no es válido: ya fue usado o venció." in again


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client, team):
    known = ask_for_a_link(client, team[Role.EXECUTIVE].email)
    mail.outbox.clear()
    unknown = ask_for_a_link(client, "nadie@example.com")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []


def test_a_deactivated_member_gets_no_link(client):
    gone = UserFactory(username="ex", email="ex@example.com", is_active=False)
    ask_for_a_link(client, gone.email)
    assert mail.outbox == []


def test_the_link_expires_after_an_hour(client, team):
    with time_machine.travel(START, tick=False) as traveller:
        ask_for_a_link(client, team[Role.EXECUTIVE].email)
        traveller.shift(dt.timedelta(hours=1, minutes=1))
        page = client.get(the_link(), follow=True).content.decode()
    assert "Este enlace no es válido" in page
    assert 'name="new_password1"' not in page


def test_resetting_the_password_lifts_her_login_lockout(client, team, settings):
    settings.AXES_ENABLED = True
    user = team[Role.EXECUTIVE]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.username, "password": "mala"})
    assert AccessAttempt.objects.filter(username=user.username).exists()
    ask_for_a_link(client, user.email)
    choose(client, the_link(), NEW_PASSWORD)
    answer = client.post(reverse("login"), {"username": user.username, "password": NEW_PASSWORD})
    assert answer.status_code == 302
