"""The database out of reach is a Spanish 503 (JSON on the API), never a 500,
and the next request after it is back works without a restart."""

import logging
import socket
import sqlite3

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.http import HttpResponse
from django.test import Client, RequestFactory

from posventa.common.middleware import DatabaseUnavailableMiddleware

SPANISH = "no puede atenderle en este momento"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free once the socket closes: nothing listens


def _client(user=None) -> Client:
    # A database error raised inside a middleware reaches the test client's
    # got_request_exception receiver too, which would re-raise it: the
    # answer is what is checked here.
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def test_a_page_is_a_spanish_503_with_retry_after_when_the_database_is_unreachable(
    transactional_db, executive, caplog
):
    client = _client(executive)  # logged in: the session is read before any view
    with caplog.at_level(logging.WARNING), _unreachable():
        response = client.get("/bandeja/")
    assert response.status_code == 503
    assert response["Retry-After"] == "15"
    page = response.content.decode()
    assert SPANISH in page and "Servicio no disponible" in page
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    # Once, as a warning: not again as django.request's "Internal Server Error".
    assert [(r.name, r.levelname) for r in warnings] == [("posventa.request", "WARNING")]


def test_the_503_holds_when_even_the_pages_static_files_cannot_be_found(
    transactional_db, executive, settings
):
    # Django's own 500 page fails in its turn here (no manifest): the
    # outage still gets its 503, as plain Spanish text.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = "/nonexistent-posventa-static"
    client = _client(executive)
    with _unreachable():
        response = client.get("/bandeja/")
    assert response.status_code == 503 and SPANISH in response.content.decode()


def test_the_api_answers_a_json_503_in_its_error_shape_when_the_database_is_unreachable(
    transactional_db,
):
    client = _client()
    with _unreachable():
        response = client.get("/api/v1/tasks", headers={"Authorization": "Bearer pv_whatever"})
    assert response.status_code == 503
    assert response["Retry-After"] == "15"
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "detail"} and SPANISH in body["detail"]
    assert body["code"] == "unavailable"


def test_liveness_answers_and_readiness_says_database_failing_while_it_is_unreachable(
    transactional_db,
):
    client = _client()
    with _unreachable():
        live = client.get("/health/live")
        ready = client.get("/health/ready")
    assert live.status_code == 200
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "failing"


def test_sqlite_locked_past_its_busy_timeout_is_a_503_not_a_500(tmp_path, django_db_blocker):
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")  # another process mid-write
    wrapper = SQLiteWrapper({**connection.settings_dict, "NAME": str(path), "OPTIONS": {}})
    wrapper.settings_dict["OPTIONS"] = {"timeout": 0.05}

    def view(request):
        with wrapper.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        return HttpResponse("saved")

    middleware = DatabaseUnavailableMiddleware(view)
    request = RequestFactory().post("/casos/1/")
    try:
        with django_db_blocker.unblock():
            response = middleware.process_exception(request, _raised(view, request))
    finally:
        wrapper.close()
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503 and SPANISH in response.content.decode()


def _raised(view, request) -> Exception:
    try:
        view(request)
    except OperationalError as exc:
        return exc
    raise AssertionError("the write went through a locked database")


class _unreachable:
    """The default connection's server cannot be reached inside the block: a
    closed port on PostgreSQL, a path that cannot be opened on SQLite. The
    real connection is set aside (closing an in-memory SQLite database would
    destroy it) and put back afterwards. Outside any transaction
    (`transactional_db`): a new connection starts with none."""

    def __enter__(self):
        self.saved_settings = dict(connection.settings_dict)
        self.saved_connection = connection.connection
        if connection.vendor == "sqlite":
            connection.settings_dict["NAME"] = "/nonexistent-posventa-dir/posventa.sqlite3"
        else:
            connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
        connection.connection = None
        with pytest.raises(OperationalError):
            connection.ensure_connection()

    def __exit__(self, *exc):
        connection.settings_dict.clear()
        connection.settings_dict.update(self.saved_settings)
        connection.connection = self.saved_connection
        return False


def _wsgi_get(path: str) -> tuple[int, bytes]:
    """A request through Django's own WSGI handler, with its request_started
    and request_finished signals (the test client mutes the connection checks)."""
    handler = WSGIHandler()
    environ = RequestFactory().get(path).environ
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    body = b"".join(handler(environ, start_response))
    return answer["status"], body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server that drops connections")
def test_after_the_server_drops_the_connection_the_next_request_reconnects_by_itself(
    transactional_db, settings
):
    import psycopg

    settings.ALLOWED_HOSTS = ["testserver"]
    _, body = _wsgi_get("/health/ready")
    assert b'"database": "ok"' in body
    assert connection.connection is not None  # kept for the next request (conn_max_age)
    backend = connection.connection.info.backend_pid
    # The server ends the session, as a restart does.
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    _, body = _wsgi_get("/health/ready")
    assert b'"database": "ok"' in body
    assert connection.connection.info.backend_pid != backend
