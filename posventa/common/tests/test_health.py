"""The health URLs a load balancer asks: no login, JSON, nothing sensitive."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.common import health
from posventa.common.jobs import heartbeat
from posventa.common.models import WorkerHeartbeat


def test_liveness_answers_without_login_and_without_the_database(client):
    # No `db` fixture: any query would raise here.
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_ready_when_the_database_answers_and_the_worker_beat_recently(client):
    heartbeat()
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok", "migrations": "ok"},
    }


@pytest.mark.django_db
def test_not_ready_without_a_worker_heartbeat(client):
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "failing"


@pytest.mark.django_db
def test_not_ready_when_the_heartbeat_is_older_than_the_limit(client, settings):
    settings.POSVENTA_WORKER_HEARTBEAT_MAX_SECONDS = 300
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(seconds=301))
    assert client.get("/health/ready").json()["checks"]["worker"] == "failing"


@pytest.mark.django_db
def test_not_ready_while_a_migration_waits(client, monkeypatch):
    heartbeat()
    monkeypatch.setattr(health, "_migrations_current", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("app", "0002")]
    )
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failing"


@pytest.mark.django_db
def test_not_ready_when_the_redis_broker_does_not_answer_and_the_reason_stays_in_the_log(
    client, settings, caplog
):
    heartbeat()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "failing"
    assert "127.0.0.1" not in response.content.decode()
    assert "readiness check broker raised" in caplog.text


@pytest.mark.django_db
def test_ready_with_the_redis_broker_when_it_answers(client, settings):
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    heartbeat()
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert client.get("/health/ready").json()["checks"]["broker"] == "ok"


def test_health_urls_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/live").status_code == 200
    assert client.get("/entrar/").status_code == 301
