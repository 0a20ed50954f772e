"""Failed API tokens are throttled per address (posventa/api/throttle.py):
after AXES_FAILURE_LIMIT of them, every API request from that address answers
429 with Retry-After and a Spanish detail until the cool-off has passed or the
address is unlocked in the admin."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.api.models import TokenFailure
from posventa.api.services import token_create

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
ATTACKER = "203.0.113.66"
COLLEAGUE = "198.51.100.20"


@pytest.fixture(autouse=True)
def throttle_on(settings):
    # The test settings turn it off with django-axes.
    settings.AXES_ENABLED = True


@pytest.fixture
def limit(settings) -> int:
    return settings.AXES_FAILURE_LIMIT


@pytest.fixture
def key(team) -> str:
    return token_create(user=team[Role.EXECUTIVE], name="script")[1]


def get_tasks(client, token: str | None, address: str = ATTACKER, **extra):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get("/api/v1/tasks", headers=headers, REMOTE_ADDR=address, **extra)


def bad_tokens(client, times: int, address: str = ATTACKER, **extra):
    return [get_tasks(client, f"pv_guess{n}", address, **extra) for n in range(times)]


def test_the_last_allowed_bad_token_answers_429_with_retry_after_in_spanish(client, limit):
    answers = bad_tokens(client, limit)
    assert [a.status_code for a in answers[:-1]] == [401] * (limit - 1)
    locked = answers[-1]
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(30 * 60)
    assert locked.json() == {
        "code": "throttled",
        "detail": "Demasiados tokens de API inválidos desde esta dirección. Intente de nuevo "
        "en 30 minutos o pida al administrador que desbloquee la dirección.",
    }


def test_while_locked_even_a_good_token_or_none_from_that_address_is_refused(client, key, limit):
    bad_tokens(client, limit)
    for token in (key, None):
        answer = get_tasks(client, token)
        assert answer.status_code == 429
        assert 0 < int(answer["Retry-After"]) <= 30 * 60


def test_a_good_token_from_another_address_is_unaffected(client, key, limit):
    bad_tokens(client, limit)
    assert get_tasks(client, key, address=COLLEAGUE).status_code == 200


def test_retry_after_counts_down_and_the_lockout_ends_with_the_cool_off(client, key, limit):
    with time_machine.travel(START, tick=False) as traveller:
        bad_tokens(client, limit)
        traveller.shift(dt.timedelta(minutes=20))
        answer = get_tasks(client, key)
        assert answer.status_code == 429 and answer["Retry-After"] == str(10 * 60)
        assert "10 minutos" in answer.json()["detail"]
        traveller.shift(dt.timedelta(minutes=10, seconds=1))
        assert get_tasks(client, key).status_code == 200
        # The old failures no longer count: one more bad token is a plain 401.
        assert get_tasks(client, "pv_guess").status_code == 401


def test_bad_tokens_further_apart_than_the_cool_off_do_not_add_up(client, limit):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(limit * 2):
            assert get_tasks(client, "pv_guess").status_code == 401
            traveller.shift(dt.timedelta(minutes=31))


def test_a_success_does_not_wipe_the_count(client, key, limit):
    # With one valid token of her own, someone could otherwise guess others' forever.
    bad_tokens(client, limit - 1)
    assert get_tasks(client, key).status_code == 200
    assert get_tasks(client, "pv_guess").status_code == 429


def test_unlocking_the_address_in_the_admin_lets_it_in_at_once(client, admin_client, key, limit):
    bad_tokens(client, limit)
    changelist = reverse("admin:api_tokenfailure_changelist")
    page = admin_client.get(changelist).content.decode()
    assert ATTACKER in page and "Bloqueos de direcciones en la API" in page
    row = TokenFailure.objects.get(ip_address=ATTACKER)
    answer = admin_client.post(
        changelist, {"action": "unlock", "_selected_action": [row.pk]}, follow=True
    )
    assert "1 dirección desbloqueada." in answer.content.decode()
    assert get_tasks(client, key).status_code == 200


def test_behind_the_proxy_the_address_is_the_last_x_forwarded_for_entry(
    client, key, limit, settings
):
    settings.POSVENTA_BEHIND_TLS_PROXY = True
    proxy = "10.0.0.2"
    for n in range(limit):
        get_tasks(client, "pv_guess", proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
    assert list(TokenFailure.objects.values_list("ip_address", flat=True)) == [ATTACKER]
    assert get_tasks(client, key, proxy, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    assert get_tasks(client, key, proxy, HTTP_X_FORWARDED_FOR=COLLEAGUE).status_code == 200


def test_with_the_throttle_off_bad_tokens_are_only_401(client, limit, settings):
    settings.AXES_ENABLED = False
    assert {a.status_code for a in bad_tokens(client, limit + 1)} == {401}
    assert not TokenFailure.objects.exists()
