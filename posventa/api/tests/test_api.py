"""The API walks procedure B as a script would."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_without_a_token_the_api_answers_401(client):
    assert client.get("/api/v1/tasks").status_code == 401


def test_the_openapi_schema_is_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/tasks/{task_id}/complete" in schema["paths"]


def test_procedure_b_end_to_end_through_the_api(call, procedures, customer_product, internet_plans):
    opened = call(
        Role.EXECUTIVE,
        "post",
        "/cases",
        {
            "nit": customer_product.company.nit,
            "procedure": "B",
            "channel": "whatsapp",
            "subject": "Cambio de plan",
            "product_id": customer_product.pk,
        },
    )
    assert opened.status_code == 201, opened.content
    number = opened.json()["number"]
    [task] = call(Role.EXECUTIVE, "get", "/tasks").json()
    assert task["case"] == number and task["form_key"] == "b/check_requirements"

    detail = call(Role.EXECUTIVE, "get", f"/tasks/{task['id']}").json()
    plans = detail["form"]["properties"]["new_plan"]["oneOf"]
    assert [p["const"] for p in plans] == [internet_plans[1].pk, internet_plans[2].pk]
    assert "new_plan" in detail["form"]["required"]

    assert (
        call(Role.EXECUTIVE, "post", f"/tasks/{task['id']}/claim").json()["assignee"] == "executive"
    )
    bad = call(Role.EXECUTIVE, "post", f"/tasks/{task['id']}/complete", {"data": {"new_plan": 999}})
    assert bad.status_code == 422
    assert "new_plan" in bad.json()["errors"]

    done = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{task['id']}/complete",
        {
            "data": {
                "new_plan": internet_plans[1].pk,
                "has_request_letter": True,
                "has_nit_copy": True,
                "has_id_copy": True,
            }
        },
    )
    assert done.status_code == 200, done.content
    [next_task] = done.json()["current_tasks"]
    assert next_task["role"] == Role.COMMERCIAL_MANAGER
    assert call(Role.EXECUTIVE, "get", "/tasks").json() == []

    again = call(Role.EXECUTIVE, "post", f"/tasks/{task['id']}/complete", {"data": {}})
    assert again.status_code == 409

    call(
        Role.COMMERCIAL_MANAGER,
        "post",
        f"/tasks/{next_task['id']}/complete",
        {"data": {"new_plan": internet_plans[1].pk}},
    )
    [quality] = call(Role.EXECUTIVE, "get", "/tasks").json()
    finished = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{quality['id']}/complete",
        {
            "data": {
                "conform": "yes",
                "interaction_channel": "phone",
                "interaction_summary": "Conforme.",
            }
        },
    ).json()
    assert finished["status"] == CaseStatus.CLOSED and finished["outcome"] == "fulfilled"
    assert finished["attended_at"] is not None
    assert [s["element"] for s in finished["history"]] == [
        "check_requirements",
        "enter_plan_change",
        "do_change_plan",
        "print_order_request",
        "quality_call",
    ]
    assert call(Role.EXECUTIVE, "get", f"/cases/{number}").json()["status"] == "closed"


def test_another_executives_customer_is_not_found(call, procedures, team, customer_product):
    stranger = CompanyFactory(executive=UserFactory(role=Role.EXECUTIVE, username="otra"))
    response = call(
        Role.EXECUTIVE,
        "post",
        "/cases",
        {
            "nit": stranger.nit,
            "procedure": "B",
            "channel": "email",
            "subject": "x",
        },
    )
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_bad_input_gets_a_422_and_changes_nothing(call, procedures, customer_product):
    response = call(
        Role.EXECUTIVE,
        "post",
        "/cases",
        {
            "nit": customer_product.company.nit,
            "procedure": "Z",
            "channel": "email",
            "subject": "",
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) >= {"procedure", "subject"}
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("completed", "outcome", "next_step"),
    [
        ("yes", None, "enter_plan_change"),
        ("no", "requirements_not_met", None),
    ],
)
def test_missing_requirements_through_the_api(
    call, procedures, customer_product, internet_plans, completed, outcome, next_step
):
    number = call(
        Role.EXECUTIVE,
        "post",
        "/cases",
        {
            "nit": customer_product.company.nit,
            "procedure": "B",
            "channel": "letter",
            "subject": "Cambio de plan",
            "product_id": customer_product.pk,
        },
    ).json()["number"]
    [check] = call(Role.EXECUTIVE, "get", "/tasks").json()
    waiting = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{check['id']}/complete",
        {"data": {"new_plan": internet_plans[2].pk}},
    ).json()
    assert waiting["status"] == CaseStatus.WAITING_CUSTOMER
    [ask] = waiting["current_tasks"]
    data = {
        "completed": completed,
        "interaction_channel": "phone",
        "interaction_summary": "Respuesta del cliente.",
    }
    if completed == "yes":
        data.update(has_request_letter=True, has_nit_copy=True, has_id_copy=True)
    after = call(Role.EXECUTIVE, "post", f"/tasks/{ask['id']}/complete", {"data": data}).json()
    if outcome:
        assert (after["status"], after["outcome"]) == ("closed", outcome)
    else:
        assert after["status"] == "open"
        assert [t["name"] for t in after["current_tasks"]] == ["Registra el cambio de plan"]
    assert call(Role.EXECUTIVE, "get", f"/cases/{number}").json()["number"] == number
