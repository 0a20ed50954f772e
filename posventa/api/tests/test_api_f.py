"""The API walks procedure F as a script would: a billing complaint is
received and registered, UTAR's answers are recorded through /claims, and
the case returns to the executive with the resolution."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus
from posventa.claims.models import Complaint
from posventa.claims.services import complaint_register
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")


@pytest.fixture
def invoice(customer_product):
    return InvoiceFactory(
        product=customer_product, period=date(2026, 10, 1), amount=Decimal("390.00")
    )


def only_task(call, role):
    [task] = call(role, "get", "/tasks?procedure=F").json()
    return task


@time_machine.travel(datetime(2026, 11, 16, 10, 0, tzinfo=LA_PAZ), tick=True)
def test_procedure_f_through_the_api_utar_answers_and_the_case_moves_on(
    call, procedures, invoice, django_capture_on_commit_callbacks
):
    opened = call(
        Role.EXECUTIVE,
        "post",
        "/cases",
        {
            "nit": invoice.product.company.nit,
            "procedure": "F",
            "channel": "email",
            "subject": "Reclamo de la factura de octubre",
            "product_id": invoice.product.pk,
        },
    )
    assert opened.status_code == 201, opened.content
    number = opened.json()["number"]
    task = only_task(call, Role.EXECUTIVE)
    detail = call(Role.EXECUTIVE, "get", f"/tasks/{task['id']}").json()
    assert detail["form"]["properties"]["disputed_amount"]
    done = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{task['id']}/complete",
        {
            "data": {
                "invoice": invoice.pk,
                "disputed_amount": "120.00",
                "reason": "Cargo de internet adicional no contratado.",
                "registers": "commercial_manager",
                "interaction_channel": "email",
                "interaction_summary": "El cliente envió el reclamo por correo.",
            }
        },
    )
    assert done.status_code == 200, done.content
    task = only_task(call, Role.COMMERCIAL_MANAGER)
    assert task["form_key"] == "f/register_complaint"
    with django_capture_on_commit_callbacks(execute=True):
        done = call(
            Role.COMMERCIAL_MANAGER,
            "post",
            f"/tasks/{task['id']}/complete",
            {"data": {"disputed_amount": "120.00", "reason": "Cargo adicional no contratado."}},
        )
    assert done.status_code == 200, done.content
    assert done.json()["current_tasks"] == []
    [email] = mail.outbox
    assert email.to == ["utar@posventa.localhost"]

    [complaint] = call(Role.COMMERCIAL_MANAGER, "get", "/claims").json()
    assert (complaint["state"], complaint["case"], complaint["disputed_amount"]) == (
        "registered",
        number,
        "120.00",
    )
    path = f"/claims/{complaint['id']}/answer"

    # The executive may not record UTAR's answers; bad answers are refused with a reason.
    refused = call(Role.EXECUTIVE, "post", path, {"state": "resolved", "resolution": "x"})
    assert refused.status_code == 403
    refused = call(Role.COMMERCIAL_MANAGER, "post", path, {"state": "resolved"})
    assert refused.status_code == 422 and "resolution" in refused.json()["errors"]
    refused = call(Role.COMMERCIAL_MANAGER, "post", path, {"state": "closed"})
    assert refused.status_code == 422 and "state" in refused.json()["errors"]
    assert Complaint.objects.get().state == "registered"

    assigned = call(Role.TEAM_LEAD, "post", path, {"state": "assigned"})
    assert assigned.status_code == 200 and assigned.json()["cases"] == []
    resolved = call(
        Role.COMMERCIAL_MANAGER,
        "post",
        path,
        {"state": "resolved", "resolution": "Procede: nota de crédito por Bs 120."},
    )
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["cases"] == [number]
    assert body["complaint"]["resolution"] == "Procede: nota de crédito por Bs 120."
    again = call(Role.COMMERCIAL_MANAGER, "post", path, {"state": "resolved", "resolution": "y"})
    assert again.status_code == 422

    task = only_task(call, Role.EXECUTIVE)
    assert task["form_key"] == "f/tell_resolution"
    done = call(
        Role.EXECUTIVE,
        "post",
        f"/tasks/{task['id']}/complete",
        {
            "data": {
                "accepted": "yes",
                "interaction_channel": "phone",
                "interaction_summary": "Conforme con la nota de crédito.",
            }
        },
    )
    assert done.json()["status"] == CaseStatus.CLOSED and done.json()["outcome"] == "fulfilled"
    assert call(Role.EXECUTIVE, "get", f"/claims/{complaint['id']}").json()["customer_accepted"]


def test_a_complaint_of_another_portfolio_is_not_found(call, team):
    other = CompanyFactory(executive=UserFactory(role=Role.EXECUTIVE))
    invoice = InvoiceFactory(product=ProductFactory(company=other))
    complaint = complaint_register(invoice=invoice, disputed_amount="10", reason="Cobro doble.")
    assert call(Role.EXECUTIVE, "get", f"/claims/{complaint.pk}").status_code == 404
    assert call(Role.EXECUTIVE, "get", "/claims").json() == []
    assert call(Role.COMMERCIAL_MANAGER, "get", f"/claims/{complaint.pk}").status_code == 200
