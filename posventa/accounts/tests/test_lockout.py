"""Login throttling (django-axes, posventa/accounts/lockout.py): after
AXES_FAILURE_LIMIT failed logins of one username from one address, that pair
is refused in Spanish — right password included — until the cool-off ends or
someone unlocks it in the admin."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from posventa.accounts.lockout import client_ip_address
from posventa.accounts.roles import Role
from posventa.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def axes_on(settings):
    # The test settings turn django-axes off (the client's login() passes no request).
    settings.AXES_ENABLED = True


@pytest.fixture
def limit(settings) -> int:
    return settings.AXES_FAILURE_LIMIT


def log_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def fail(client, username, times, **extra):
    return [log_in(client, username, "no-es-la-clave", **extra) for _ in range(times)]


def is_logged_in(client) -> bool:
    return client.get(reverse("cases:inbox")).status_code == 200


def test_the_last_allowed_failure_answers_429_with_the_spanish_message_in_the_login_layout(
    client, team, limit
):
    answers = fail(client, team[Role.EXECUTIVE].username, limit)
    assert [a.status_code for a in answers[:-1]] == [200] * (limit - 1)
    locked = answers[-1]
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(30 * 60)
    page = locked.content.decode()
    assert (
        "Demasiados intentos fallidos. Por seguridad, esta cuenta quedó bloqueada desde "
        "esta dirección por 30 minutos; pida al jefe de equipo o al administrador que la "
        "desbloquee." in page
    )
    # The site's layout, not axes' bare English text; no form to keep guessing with.
    assert '<html lang="es">' in page and "Saltar al contenido" in page
    assert "Account locked" not in page
    assert 'name="password"' not in page
    assert reverse("password_reset") in page


def test_while_locked_the_right_password_is_refused_too(client, team, limit):
    user = team[Role.EXECUTIVE]
    fail(client, user.username, limit)
    answer = log_in(client, user.username, PASSWORD)
    assert answer.status_code == 429
    assert "Demasiados intentos fallidos" in answer.content.decode()
    assert not is_logged_in(client)


def test_the_lockout_holds_that_username_only(client, team, limit):
    fail(client, team[Role.EXECUTIVE].username, limit)
    answer = log_in(client, team[Role.TEAM_LEAD].username, PASSWORD)
    assert answer.status_code == 302
    assert is_logged_in(client)


def test_the_admin_login_is_counted_and_locked_the_same_way(client, limit):
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    for _ in range(limit - 1):
        client.post(reverse("admin:login"), {"username": "admin", "password": "mala"})
    answer = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert answer.status_code == 302  # the right password within the limit
    client.logout()
    for _ in range(limit):
        answer = client.post(reverse("admin:login"), {"username": "admin", "password": "mala"})
    assert answer.status_code == 429
    assert "Demasiados intentos fallidos" in answer.content.decode()
    answer = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert answer.status_code == 429


def test_the_lockout_ends_once_the_cool_off_has_passed_since_the_last_try(client, team, limit):
    user = team[Role.EXECUTIVE]
    with time_machine.travel(START, tick=False) as traveller:
        fail(client, user.username, limit)
        traveller.shift(dt.timedelta(minutes=20))
        # A try while locked (even with the right password) starts the 30 minutes anew.
        assert log_in(client, user.username, PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=25))
        assert log_in(client, user.username, PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=31))
        assert log_in(client, user.username, PASSWORD).status_code == 302
        assert is_logged_in(client)


def test_unlocking_in_the_admin_lets_her_in_at_once(client, admin_client, team, limit):
    user = team[Role.EXECUTIVE]
    fail(client, user.username, limit)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "Intentos de acceso" in page and "Bloqueado" in page
    assert "Desbloquear (olvidar estos intentos fallidos)" in page

    attempt = AccessAttempt.objects.get(username=user.username)
    answer = admin_client.post(
        changelist, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
    )
    assert "1 bloqueo levantado." in answer.content.decode()
    assert not AccessAttempt.objects.exists()
    assert log_in(client, user.username, PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_behind_the_proxy_the_address_is_the_last_x_forwarded_for_entry(
    client, team, limit, settings
):
    settings.POSVENTA_BEHIND_TLS_PROXY = True
    user = team[Role.EXECUTIVE]
    # The client writes whatever it likes before the proxy's entry: it changes nothing.
    for n in range(limit):
        log_in(client, user.username, "mala", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.5")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    refused = log_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert refused.status_code == 429
    # She, from her own address through the same proxy, is not locked out.
    assert (
        log_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20").status_code
        == 302
    )


def test_without_the_proxy_a_forged_x_forwarded_for_does_not_dodge_the_lockout(client, team, limit):
    user = team[Role.EXECUTIVE]
    for n in range(limit):
        log_in(client, user.username, "mala", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    assert log_in(client, user.username, PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("behind_proxy", "forwarded", "address"),
    [
        (True, "203.0.113.5", "203.0.113.5"),
        (True, "10.1.1.1,203.0.113.5", "203.0.113.5"),
        (True, "", "192.0.2.1"),
        (True, "not-an-address", "192.0.2.1"),
        (False, "203.0.113.5", "192.0.2.1"),
    ],
)
def test_the_client_address(settings, behind_proxy, forwarded, address):
    settings.POSVENTA_BEHIND_TLS_PROXY = behind_proxy
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip_address(request) == address
