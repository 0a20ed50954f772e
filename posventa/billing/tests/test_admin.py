from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from posventa.billing.models import Charge
from posventa.billing.services import invoice_issue
from posventa.catalog.models import Tariff, TariffCode
from posventa.factories import ChargeFactory, InvoiceFactory, ProductFactory

pytestmark = pytest.mark.django_db

# 12:00 in La Paz (UTC-4): "today" is 10 June there and in UTC alike.
MIDDAY_10_JUNE = datetime(2025, 6, 10, 16, tzinfo=UTC)


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("model", "factory"), [("invoice", InvoiceFactory), ("charge", ChargeFactory)]
)
def test_changelist_and_change_pages_open(admin_client, model, factory):
    obj = factory()
    assert admin_client.get(reverse(f"admin:billing_{model}_changelist")).status_code == 200
    assert (
        admin_client.get(reverse(f"admin:billing_{model}_change", args=[obj.pk])).status_code == 200
    )


def test_invoices_are_issued_by_the_billing_not_added_by_hand(admin_client):
    assert admin_client.get(reverse("admin:billing_invoice_add")).status_code == 403
    assert admin_client.get(reverse("admin:billing_charge_add")).status_code == 200


@pytest.mark.parametrize(
    ("model", "factory"), [("invoice", InvoiceFactory), ("charge", ChargeFactory)]
)
def test_the_changelist_costs_the_same_for_2_or_6_rows(admin_client, model, factory):
    url = reverse(f"admin:billing_{model}_changelist")
    factory.create_batch(2)
    few = _queries(admin_client, url)
    factory.create_batch(4)
    assert _queries(admin_client, url) == few


def test_billed_charges_show_on_their_invoice(admin_client):
    product = ProductFactory()
    ChargeFactory(product=product, concept="Detalle de llamadas marzo")
    invoice = invoice_issue(product=product, period=date(2025, 4, 1))
    response = admin_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    assert "Detalle de llamadas marzo" in response.text


@time_machine.travel(MIDDAY_10_JUNE)
@pytest.mark.parametrize(
    ("payment", "expected"),
    [("paid", ["4400001"]), ("pending", ["4400002", "4400003"]), ("overdue", ["4400002"])],
)
def test_invoices_are_filtered_by_payment(admin_client, payment, expected):
    InvoiceFactory(
        product=ProductFactory(service_number="4400001"),
        period=date(2025, 4, 1),
        paid_on=date(2025, 5, 2),
    )
    InvoiceFactory(product=ProductFactory(service_number="4400002"), period=date(2025, 4, 1))
    InvoiceFactory(product=ProductFactory(service_number="4400003"), period=date(2025, 5, 1))
    response = admin_client.get(reverse("admin:billing_invoice_changelist"), {"payment": payment})
    found = sorted(i.product.service_number for i in response.context["cl"].result_list)
    assert found == expected


@time_machine.travel(MIDDAY_10_JUNE)
def test_the_mark_paid_action_pays_and_refuses_what_is_already_paid(admin_client):
    pending = InvoiceFactory(period=date(2025, 4, 1))
    paid = InvoiceFactory(period=date(2025, 4, 1), paid_on=date(2025, 5, 2))
    response = admin_client.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": "mark_paid_today", "_selected_action": [pending.pk, paid.pk]},
        follow=True,
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    paid.refresh_from_db()
    assert pending.paid_on == date(2025, 6, 10)
    assert paid.paid_on == date(2025, 5, 2)
    assert len(list(response.context["messages"])) == 2  # one paid, one refused


def test_only_the_payment_is_edited_on_an_invoice(admin_client):
    invoice = InvoiceFactory(period=date(2025, 4, 1), amount=Decimal("250.00"))
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    base = {"charges-TOTAL_FORMS": "0", "charges-INITIAL_FORMS": "0"}
    response = admin_client.post(url, {**base, "paid_on": "31/03/2025", "amount": "1.00"})
    assert response.status_code == 200  # before the billed month
    response = admin_client.post(url, {**base, "paid_on": "02/05/2025", "amount": "1.00"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.paid_on == date(2025, 5, 2)
    assert invoice.amount == Decimal("250.00")


def test_a_part_paid_is_recorded_and_the_whole_needs_its_date(admin_client):
    invoice = InvoiceFactory(period=date(2025, 4, 1), amount=Decimal("250.00"))
    url = reverse("admin:billing_invoice_change", args=[invoice.pk])
    base = {"charges-TOTAL_FORMS": "0", "charges-INITIAL_FORMS": "0", "paid_on": ""}
    for refused in ("250.00", "250.01", "-1"):
        response = admin_client.post(url, {**base, "amount_paid": refused})
        assert response.status_code == 200, refused
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0
    assert admin_client.post(url, {**base, "amount_paid": "100.00"}).status_code == 302
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.owed, invoice.paid_on) == (
        Decimal("100.00"),
        Decimal("150.00"),
        None,
    )
    response = admin_client.post(url, {**base, "paid_on": "02/05/2025", "amount_paid": "100"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.owed) == (Decimal("250.00"), 0)  # dated: in full


def test_a_charge_without_an_amount_is_the_tariff_times_the_quantity(admin_client, admin_user):
    product = ProductFactory()
    tariff = Tariff.objects.get(code=TariffCode.CALL_DETAIL_PREVIOUS_MONTH)
    response = admin_client.post(
        reverse("admin:billing_charge_add"),
        {
            "product": product.pk,
            "concept": "Detalle 2 meses",
            "tariff": tariff.pk,
            "quantity": "2",
            "amount": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    charge = Charge.objects.get()
    assert charge.amount == Decimal("24.00")
    assert charge.recorded_by == admin_user


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": ""}, "amount"),  # no tariff either
    ],
)
def test_a_charge_of_nothing_is_refused(admin_client, data, field):
    response = admin_client.post(
        reverse("admin:billing_charge_add"),
        {
            "product": ProductFactory().pk,
            "concept": "Ajuste",
            "tariff": "",
            "quantity": "1",
            **data,
        },
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Charge.objects.exists()


def test_a_withdrawn_product_gets_no_charge_from_the_admin(admin_client):
    product = ProductFactory(status="withdrawn", withdrawn_on=date(2025, 1, 31))
    response = admin_client.post(
        reverse("admin:billing_charge_add"),
        {"product": product.pk, "concept": "Ajuste", "tariff": "", "quantity": "1", "amount": "5"},
    )
    assert "product" in response.context["adminform"].form.errors
    assert not Charge.objects.exists()


def test_a_billed_charge_is_history(admin_client):
    product = ProductFactory()
    charge = ChargeFactory(product=product, amount=Decimal("20.00"))
    invoice_issue(product=product, period=date(2025, 4, 1))
    url = reverse("admin:billing_charge_change", args=[charge.pk])
    admin_client.post(url, {"amount": "1.00", "concept": "Otro"})
    charge.refresh_from_db()
    assert (charge.amount, charge.concept) == (Decimal("20.00"), "Cargo de prueba")
    assert (
        admin_client.get(reverse("admin:billing_charge_delete", args=[charge.pk])).status_code
        == 403
    )
