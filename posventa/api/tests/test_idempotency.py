"""`Idempotency-Key` on every POST of the API (posventa/api/idempotency.py):
a request retried with its key runs once; the retry gets the first answer
again, byte for byte. On SQLite and PostgreSQL; the truly concurrent test on
PostgreSQL (SQLite serialises the writers anyway)."""

import json
import re
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.api import idempotency
from posventa.api.api import api
from posventa.api.models import IdempotencyKey
from posventa.api.services import token_create
from posventa.cases import services as case_services
from posventa.cases.models import Case
from posventa.engine import runtime
from posventa.procedures.tests.fixtures import deploy_only

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
POSTS = [
    (path, operation)
    for path, operations in SCHEMA["paths"].items()
    for method, operation in operations.items()
    if method == "post"
]


@pytest.fixture
def models(media):
    deploy_only("b_plan_change.bpmn", "l_support_visits.bpmn")
    yield
    runtime.specs.clear()


@pytest.fixture
def keys(team):
    """Two tokens of the executive (two scripts), one of the team lead."""
    executive = team[Role.EXECUTIVE]
    return {
        "script": token_create(user=executive, name="script")[1],
        "other script": token_create(user=executive, name="another script")[1],
        "team lead": token_create(user=team[Role.TEAM_LEAD], name="lead")[1],
    }


@pytest.fixture
def post(client, keys):
    """post(path, body, key=…, token="script") → the response."""

    def do(path, body, *, key=None, token="script", on=client):
        headers = {"Authorization": f"Bearer {keys[token]}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return on.post(
            f"/api/v1{path}",
            data=json.dumps(body) if not isinstance(body, bytes) else body,
            content_type="application/json",
            headers=headers,
        )

    return do


@pytest.fixture
def case_body(models, customer_product):
    return {
        "nit": customer_product.company.nit,
        "procedure": "B",
        "channel": "email",
        "subject": "Cambio de plan",
        "product_id": customer_product.pk,
    }


def assert_409(response, words: str):
    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body) == {"code", "detail"} and words in body["detail"], body
    assert body["code"] == "idempotency_conflict", body


# --- the rules -----------------------------------------------------------------------------


def test_opening_a_case_twice_with_one_key_opens_one_case_and_answers_the_same(post, case_body):
    first = post("/cases", case_body, key="3f1c9e0a-open-1")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    again = post("/cases", case_body, key="3f1c9e0a-open-1")
    assert again.status_code == 201
    assert again.content == first.content  # byte for byte
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    row = IdempotencyKey.objects.get()
    assert (row.state, row.status, row.method, row.path) == ("done", 201, "POST", "/api/v1/cases")


def test_the_same_key_with_another_body_is_a_409_and_creates_nothing(post, case_body):
    assert post("/cases", case_body, key="k-1").status_code == 201
    other = post("/cases", {**case_body, "subject": "Otro asunto"}, key="k-1")
    assert_409(other, "ya se usó con otra petición")
    assert "Idempotent-Replayed" not in other
    assert Case.objects.count() == 1


def test_the_same_key_on_another_path_is_a_409(post, case_body):
    first = post("/cases", case_body, key="k-2")
    number = first.json()["number"]
    other = post(f"/cases/{number}/cancel", {"reason": "Duplicado."}, key="k-2", token="script")
    assert_409(other, "ya se usó con otra petición")
    assert Case.objects.get().status != "cancelled"


def test_the_same_key_on_another_token_is_independent(post, case_body):
    assert post("/cases", case_body, key="shared", token="script").status_code == 201
    # The other script's key of the same name is its own: it runs (and, the
    # product having an open case now, is refused for its own reason).
    other = post("/cases", case_body, key="shared", token="other script")
    assert "Idempotent-Replayed" not in other
    assert other.status_code == 409 and "ya se usó" not in other.json()["detail"]
    assert IdempotencyKey.objects.filter(key="shared").count() == 2


def test_without_a_key_two_posts_open_two_cases_as_before(post, case_body):
    # A support visit (L): a customer may have two.
    body = {**case_body, "procedure": "L", "product_id": None}
    assert post("/cases", body).status_code == 201
    assert post("/cases", body).status_code == 201
    assert Case.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_a_refusal_is_kept_and_a_retry_gets_the_same_refusal(post, case_body):
    refused = post("/cases", {**case_body, "nit": "99999999"}, key="k-404")
    assert refused.status_code == 404
    again = post("/cases", {**case_body, "nit": "99999999"}, key="k-404")
    assert again.status_code == 404 and again.content == refused.content
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("debug", [False, True], ids=["exception", "debug-500-page"])
def test_a_server_error_is_not_kept_and_a_retry_runs(post, case_body, settings, debug):
    settings.DEBUG = debug  # with DEBUG, ninja answers the 500 itself
    browser = Client(raise_request_exception=False)
    with mock.patch("posventa.api.api.case_open", side_effect=RuntimeError("database down")):
        failed = post("/cases", case_body, key="k-500", on=browser)
    assert failed.status_code == 500
    assert not IdempotencyKey.objects.exists()
    settings.DEBUG = False
    retried = post("/cases", case_body, key="k-500")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert Case.objects.count() == 1


def test_a_lockout_429_is_not_kept(post, case_body, keys):
    from posventa.api import throttle

    with mock.patch.object(throttle, "check", side_effect=throttle.AddressLocked(60)):
        assert post("/cases", case_body, key="k-429").status_code == 429
    assert not IdempotencyKey.objects.exists()
    assert post("/cases", case_body, key="k-429").status_code == 201


def test_a_method_the_path_does_not_take_is_not_kept(post):
    refused = post("/tasks", {}, key="k-405")
    assert refused.status_code == 405 and refused["Allow"] == "GET"
    assert not IdempotencyKey.objects.exists()


def test_a_second_request_while_the_first_is_in_progress_is_a_409_and_runs_nothing(
    post, case_body, team
):
    # The first request's row, as it stands while that request runs.
    token = team[Role.EXECUTIVE].api_tokens.get(name="script")
    IdempotencyKey.objects.create(
        token=token,
        key="k-busy",
        method="POST",
        path="/api/v1/cases",
        body_sha256=_sha256(json.dumps(case_body).encode()),
    )
    busy = post("/cases", case_body, key="k-busy")
    assert_409(busy, "todavía está en curso")
    assert Case.objects.count() == 0
    assert IdempotencyKey.objects.get().state == "in_progress"  # left to its request


def test_a_key_left_in_progress_by_a_dead_worker_runs_again_after_the_timeout(
    post, case_body, team
):
    token = team[Role.EXECUTIVE].api_tokens.get(name="script")
    IdempotencyKey.objects.create(
        token=token,
        key="k-dead",
        method="POST",
        path="/api/v1/cases",
        body_sha256=_sha256(json.dumps(case_body).encode()),
        created_at=timezone.now() - idempotency.IN_PROGRESS_TIMEOUT - timedelta(seconds=1),
    )
    assert post("/cases", case_body, key="k-dead").status_code == 201
    assert IdempotencyKey.objects.get().state == "done"


def test_an_answer_too_large_to_keep_is_not_run_twice(post, case_body, monkeypatch):
    monkeypatch.setattr(idempotency, "MAX_STORED_BODY", 10)
    assert post("/cases", case_body, key="k-big").status_code == 201
    assert_409(post("/cases", case_body, key="k-big"), "demasiado grande para repetirla")
    assert Case.objects.count() == 1


def test_keys_expire_after_24_hours_and_the_cleanup_deletes_them(post, case_body):
    assert post("/cases", case_body, key="k-old").status_code == 201
    fresh = post("/cases/PV-0000-000000/cancel", {"reason": "x"}, key="k-new")
    assert fresh.status_code == 404
    IdempotencyKey.objects.filter(key="k-old").update(
        created_at=timezone.now() - timedelta(hours=24, seconds=1)
    )
    assert idempotency.keys_expire() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-new"]


def test_an_expired_key_not_yet_cleaned_is_a_new_key(post, case_body):
    first = post("/cases", case_body, key="k-stale")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    body = {**case_body, "procedure": "L", "product_id": None}
    again = post("/cases", body, key="k-stale")  # another body: fine, the key is gone
    assert again.status_code == 201 and again.json()["number"] != first.json()["number"]


def test_the_cleanup_is_a_job_of_the_worker():
    from django.utils.module_loading import import_string

    from posventa.common.schedules import SCHEDULES

    [job] = [j for j in SCHEDULES if j.func == "posventa.api.jobs.expire_idempotency_keys"]
    assert import_string(job.func) is not None and job.minutes == 60


@pytest.mark.parametrize(
    "key",
    ["", " ", "x" * 256, "x" * 10_000, "a\x00b", "a\nb", "a\tb", "a\x7fb", "clé", "ключ", "a b"],
    ids=[
        "empty",
        "space",
        "256",
        "10000",
        "nul",
        "newline",
        "tab",
        "del",
        "latin1",
        "cyrillic",
        "inner-space",
    ],
)
def test_a_hostile_key_is_a_clear_422_and_nothing_is_stored(post, case_body, key):
    response = post("/cases", case_body, key=key)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "Los datos no son válidos."
    assert "Idempotency-Key" in body["errors"]
    assert "caracteres ASCII visibles" in body["errors"]["Idempotency-Key"][0]
    assert not IdempotencyKey.objects.exists() and not Case.objects.exists()


def test_a_key_of_255_visible_characters_is_taken(post, case_body):
    key = "".join(chr(33 + i % 94) for i in range(255))
    assert post("/cases", case_body, key=key).status_code == 201
    assert post("/cases", case_body, key=key)["Idempotent-Replayed"] == "true"


def test_without_a_valid_token_the_key_is_not_looked_at(client, case_body):
    response = client.post(
        "/api/v1/cases",
        data=json.dumps(case_body),
        content_type="application/json",
        headers={"Authorization": "Bearer pv_wrong", "Idempotency-Key": "k"},
    )
    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_a_get_ignores_the_key(post, client, keys):
    response = client.get(
        "/api/v1/tasks",
        headers={"Authorization": f"Bearer {keys['script']}", "Idempotency-Key": "a\x00"},
    )
    assert response.status_code == 200
    assert not IdempotencyKey.objects.exists()


# --- every POST, present and future ------------------------------------------------------


@pytest.mark.parametrize("path,operation", POSTS, ids=[p for p, _ in POSTS])
def test_every_post_in_the_schema_documents_the_header_and_the_409(path, operation):
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and header["required"] is False
    assert header["schema"]["maxLength"] == 255 and "Idempotent-Replayed" in header["description"]
    conflict = operation["responses"][409]["content"]["application/json"]["schema"]
    assert conflict == {"$ref": "#/components/schemas/Error"}


@pytest.mark.parametrize("path,operation", POSTS, ids=[p for p, _ in POSTS])
def test_every_post_in_the_schema_answers_a_retry_with_its_first_answer(post, path, operation):
    # Whatever the first answer (a 404 for ids nobody has, a 422 for an empty
    # body), the retry gets it again without running.
    url = re.sub(r"{(\w+)}", "1", path.removeprefix("/api/v1"))
    first = post(url, {}, key=f"every-{path}")
    again = post(url, {}, key=f"every-{path}")
    assert first.status_code < 500
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again["Idempotent-Replayed"] == "true", path
    assert_409(post(url, {"x": 1}, key=f"every-{path}"), "ya se usó con otra petición")


def test_a_router_added_later_honours_the_key_too(keys, client, settings):
    """The wrapper is the API's, not each router's: a new one is covered."""
    from django.urls import path as url_path
    from ninja import Router, Status

    from posventa.api.errors import responses
    from posventa.api.idempotency import IdempotentAPI

    calls = []
    later = IdempotentAPI(urls_namespace="later", auth=api.auth)
    router = Router()

    @router.post("/things", response=responses({201: dict}))
    def make_thing(request):
        calls.append(1)
        return Status(201, {"n": len(calls)})

    later.add_router("/", router)
    urlconf = type("urls", (), {"urlpatterns": [url_path("later/", later.urls)]})
    settings.ROOT_URLCONF = urlconf
    headers = {"Authorization": f"Bearer {keys['script']}", "Idempotency-Key": "t"}
    first = client.post("/later/things", headers=headers)
    again = client.post("/later/things", headers=headers)
    assert first.json() == again.json() == {"n": 1} and calls == [1]
    assert again["Idempotent-Replayed"] == "true"
    op = later.get_openapi_schema()["paths"]["/later/things"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in op["parameters"])


# --- truly concurrent (PostgreSQL) ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers on PostgreSQL")
def test_two_concurrent_posts_with_one_key_run_once(media, team, customer_product):
    deploy_only("b_plan_change.bpmn")
    key = token_create(user=team[Role.EXECUTIVE], name="script")[1]
    body = json.dumps(
        {
            "nit": customer_product.company.nit,
            "procedure": "B",
            "channel": "email",
            "subject": "Cambio de plan",
            "product_id": customer_product.pk,
        }
    )
    inside, release = threading.Event(), threading.Event()
    real_case_open = case_services.case_open

    def slow_case_open(**kwargs):
        inside.set()
        assert release.wait(timeout=30)
        return real_case_open(**kwargs)

    answers = {}

    def send(name):
        try:
            answers[name] = Client().post(
                "/api/v1/cases",
                data=body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k-race"},
            )
        finally:
            connections.close_all()

    try:
        with mock.patch("posventa.api.api.case_open", slow_case_open):
            first = threading.Thread(target=send, args=("first",))
            first.start()
            assert inside.wait(timeout=30)
            second = threading.Thread(target=send, args=("second",))
            second.start()
            second.join(timeout=30)
            release.set()
            first.join(timeout=60)
        assert answers["first"].status_code == 201, answers["first"].content
        assert_409(answers["second"], "todavía está en curso")
        assert Case.objects.count() == 1
        replay = Client().post(
            "/api/v1/cases",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "k-race"},
        )
        assert replay.content == answers["first"].content and replay["Idempotent-Replayed"]
    finally:
        release.set()
        runtime.specs.clear()


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
