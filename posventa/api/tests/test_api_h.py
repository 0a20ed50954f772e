"""The API walks procedure H's main path as a script would: a withdrawal with
permanence fulfilled, the customer leaving with the signed letter, the final
invoice shown, the router checked back complete (a field the form adds per
device), the equipment handed to the warehouse — the product withdrawn."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from posventa.accounts.roles import Role
from posventa.billing.models import Invoice
from posventa.cases.models import CaseStatus
from posventa.factories import EquipmentFactory
from posventa.inventory.models import ProductStatus

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")


def only_task(call, role):
    [task] = call(role, "get", "/tasks").json()
    return task


def complete(call, role, data, status=200):
    task = only_task(call, role)
    response = call(role, "post", f"/tasks/{task['id']}/complete", {"data": data})
    assert response.status_code == status, response.content
    return response.json()


@time_machine.travel(datetime(2026, 4, 15, 10, 0, tzinfo=LA_PAZ), tick=True)
def test_procedure_h_withdrawal_end_to_end_through_the_api(call, procedures, customer_product):
    router = EquipmentFactory(product=customer_product, serial="RTR-API1", kind="router")
    opened = call(
        Role.EXECUTIVE,
        "post",
        "/cases",
        {
            "nit": customer_product.company.nit,
            "procedure": "H",
            "channel": "email",
            "subject": "Retiro del internet",
            "product_id": customer_product.pk,
        },
    )
    assert opened.status_code == 201, opened.content
    assert only_task(call, Role.EXECUTIVE)["form_key"] == "h/receive_request"
    complete(call, Role.EXECUTIVE, {"cause": "Se trasladan a otra ciudad."})
    review = call(Role.EXECUTIVE, "get", f"/tasks/{only_task(call, Role.EXECUTIVE)['id']}").json()
    assert "history_reviewed" in review["form"]["properties"]
    complete(call, Role.EXECUTIVE, {"history_reviewed": True})
    complete(
        call,
        Role.EXECUTIVE,
        {
            "stays": "no",
            "interaction_channel": "phone",
            "interaction_summary": "No acepta la retención.",
        },
    )
    complete(
        call,
        Role.EXECUTIVE,
        {"has_request_letter": True, "has_nit_copy": True, "has_id_copy": True},
    )
    complete(call, Role.COMMERCIAL_MANAGER, {"contract_reviewed": True})

    assert only_task(call, Role.COMMERCIAL_MANAGER)["form_key"] == "h/enter_withdrawal"
    entered = complete(call, Role.COMMERCIAL_MANAGER, {"final_invoice_checked": True})
    assert entered["attended_at"] is not None

    check = call(
        Role.COMMERCIAL_MANAGER,
        "get",
        f"/tasks/{only_task(call, Role.COMMERCIAL_MANAGER)['id']}",
    ).json()
    assert f"condition_{router.pk}" in check["form"]["properties"]
    refused = complete(call, Role.COMMERCIAL_MANAGER, {}, status=422)
    assert f"condition_{router.pk}" in refused["errors"]
    complete(call, Role.COMMERCIAL_MANAGER, {f"condition_{router.pk}": "complete"})
    complete(call, Role.COMMERCIAL_MANAGER, {"reception_legalised": True})
    finished = complete(call, Role.COMMERCIAL_MANAGER, {"warehouse_received_by": "Almacén"})
    assert (finished["status"], finished["outcome"]) == (CaseStatus.CLOSED, "fulfilled")
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.WITHDRAWN
    # Internet Bs 250 on 15 April (30 days): 250 × 15/30 = 125,00.
    assert Invoice.objects.get(product=customer_product).amount == Decimal("125.00")
