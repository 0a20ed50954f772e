"""The API walks procedure D's main path as a script would: a suspension that
starts today, entered, printed, confirmed — and reconnected after its end."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus
from posventa.engine import services as engine
from posventa.inventory.models import ProductStatus, Suspension

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")


@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=LA_PAZ), tick=True)
def test_procedure_d_suspension_end_to_end_through_the_api(call, procedures, customer_product):
    opened = call(
        Role.EXECUTIVE,
        "post",
        "/cases",
        {
            "nit": customer_product.company.nit,
            "procedure": "D",
            "channel": "email",
            "subject": "Suspensión temporal por vacaciones colectivas",
            "product_id": customer_product.pk,
        },
    )
    assert opened.status_code == 201, opened.content
    number = opened.json()["number"]
    [task] = call(Role.EXECUTIVE, "get", "/tasks").json()
    assert task["case"] == number and task["form_key"] == "d/receive_request"

    detail = call(Role.EXECUTIVE, "get", f"/tasks/{task['id']}").json()
    kinds = detail["form"]["properties"]["request_kind"]["oneOf"]
    assert [k["const"] for k in kinds] == ["suspension", "reconnection"]
    assert detail["form"]["properties"]["ends_on"]["format"] == "date"
    assert "4 meses" in detail["instructions"]

    too_long = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{task['id']}/complete",
        {
            "data": {
                "request_kind": "suspension",
                "starts_on": "2026-03-02",
                "ends_on": "2026-08-31",
            }
        },
    )
    assert too_long.status_code == 422
    assert "ends_on" in too_long.json()["errors"]

    done = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{task['id']}/complete",
        {
            "data": {
                "request_kind": "suspension",
                "starts_on": "2026-03-02",
                "ends_on": "2026-05-31",
            }
        },
    )
    assert done.status_code == 200, done.content
    [enter] = done.json()["current_tasks"]
    assert (enter["role"], enter["form_key"]) == (Role.COMMERCIAL_MANAGER, "d/enter_suspension")
    assert call(Role.EXECUTIVE, "get", "/tasks").json() == []

    entered = call(
        Role.COMMERCIAL_MANAGER,
        "post",
        f"/tasks/{enter['id']}/complete",
        {"data": {"starts_on": "2026-03-02", "ends_on": "2026-05-31"}},
    ).json()
    assert entered["attended_at"] is not None
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.SUSPENDED

    [quality] = call(Role.EXECUTIVE, "get", "/tasks").json()
    finished = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{quality['id']}/complete",
        {
            "data": {
                "conform": "yes",
                "interaction_channel": "phone",
                "interaction_summary": "Conforme con las fechas.",
            }
        },
    ).json()
    assert finished["status"] == CaseStatus.CLOSED and finished["outcome"] == "fulfilled"
    assert [s["element"] for s in finished["history"]] == [
        "receive_request",
        "check_account",
        "check_once_a_year",
        "enter_suspension",
        "do_record_suspension",
        "print_order_request",
        "do_schedule_dates",
        "quality_call_suspension",
    ]

    # The worker reconnects the product the day after the suspension's end.
    with time_machine.travel(datetime(2026, 6, 1, 0, 1, tzinfo=LA_PAZ), tick=False):
        assert engine.timers_advance() == 1
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.ACTIVE
    assert Suspension.objects.get(product=customer_product).reconnected_on.isoformat() == (
        "2026-06-01"
    )
    assert call(Role.EXECUTIVE, "get", f"/cases/{number}").json()["status"] == "closed"


@time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=LA_PAZ), tick=True)
def test_a_tasks_instructions_come_filled_in(call, procedures, customer_product):
    from posventa.factories import InvoiceFactory

    InvoiceFactory(product=customer_product, period=datetime(2026, 1, 1).date())  # unpaid
    opened = call(
        Role.EXECUTIVE,
        "post",
        "/cases",
        {
            "nit": customer_product.company.nit,
            "procedure": "D",
            "channel": "phone",
            "subject": "Suspensión temporal",
            "product_id": customer_product.pk,
        },
    )
    [task] = call(Role.EXECUTIVE, "get", "/tasks").json()
    done = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{task['id']}/complete",
        {
            "data": {
                "request_kind": "suspension",
                "starts_on": "2026-03-02",
                "ends_on": "2026-04-30",
            }
        },
    )
    [manage] = done.json()["current_tasks"]
    assert opened.status_code == 201 and manage["form_key"] == "d/settle_account"
    shown = call(Role.EXECUTIVE, "get", f"/tasks/{manage['id']}").json()["instructions"]
    assert "{{" not in shown
    assert f"{customer_product.service_number} · 01/2026 · Bs 250,00" in shown
