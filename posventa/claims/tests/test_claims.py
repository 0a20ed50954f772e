"""Billing complaints: the invariants the database keeps, the services'
rules and e-mails, and the screens UTAR's answer is recorded on."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.claims.models import Complaint, ComplaintState
from posventa.claims.services import (
    complaint_accept,
    complaint_disagree,
    complaint_record_answer,
    complaint_register,
    complaint_urge,
    money,
)
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory, UserFactory
from posventa.outbox.models import Mailbox, OutgoingEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(customer_product):
    return InvoiceFactory(
        product=customer_product, period=date(2026, 10, 1), amount=Decimal("250.00")
    )


@pytest.fixture
def complaint(invoice):
    return complaint_register(invoice=invoice, disputed_amount="50", reason="Cobro duplicado.")


def raw(invoice, **fields):
    values = {
        "invoice": invoice,
        "invoice_amount": invoice.amount,
        "disputed_amount": Decimal("10"),
        "reason": "x",
        **fields,
    }
    with transaction.atomic():
        return Complaint.objects.create(**values)


# --- invariants in the database -----------------------------------------------------


def test_one_open_complaint_per_invoice_but_a_new_one_after_the_resolution(invoice):
    raw(invoice)
    with pytest.raises(IntegrityError):
        raw(invoice, state=ComplaintState.ASSIGNED)
    Complaint.objects.update(
        state=ComplaintState.RESOLVED, resolution="Procede.", resolved_at=timezone.now()
    )
    raw(invoice)  # another complaint on the same invoice, once the first is resolved


@pytest.mark.parametrize(
    "fields",
    [
        {"state": ComplaintState.RESOLVED},  # no resolution, no time
        {"state": ComplaintState.RESOLVED, "resolution": "Procede."},  # no time
        {"resolution": "Procede."},  # an open one with a resolution
        {"customer_accepted": True},  # accepted without a resolution
        {"disputed_amount": Decimal("0")},
        {"disputed_amount": Decimal("250.01")},  # more than the invoice
        {"reason": ""},
        {"state": "closed"},
    ],
)
def test_the_database_refuses_an_inconsistent_complaint(invoice, fields):
    with pytest.raises(IntegrityError):
        raw(invoice, **fields)


# --- services -------------------------------------------------------------------------


def test_money_is_decimal_rounded_half_up_to_cents():
    assert money("80.505") == Decimal("80.51")
    assert money("80,5") == Decimal("80.50")
    assert money(80.125) == Decimal("80.13")
    with pytest.raises(ValidationError):
        money("ochenta")


def test_register_refuses_more_than_the_invoice_a_second_open_one_and_no_reason(invoice):
    with pytest.raises(ValidationError) as too_much:
        complaint_register(invoice=invoice, disputed_amount="250.01", reason="x")
    assert "disputed_amount" in too_much.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        complaint_register(invoice=invoice, disputed_amount="10", reason="  ")
    assert "reason" in no_reason.value.message_dict
    first = complaint_register(invoice=invoice, disputed_amount="250.00", reason="Todo el mes.")
    with pytest.raises(ValidationError) as second:
        complaint_register(invoice=invoice, disputed_amount="10", reason="Otro.")
    assert first.number in str(second.value.message_dict["invoice"])
    assert Complaint.objects.count() == 1
    assert OutgoingEmail.objects.count() == 1


def test_without_the_utar_mailbox_nothing_is_registered(invoice):
    Mailbox.objects.filter(code="utar").delete()
    with pytest.raises(ValidationError) as missing:
        complaint_register(invoice=invoice, disputed_amount="10", reason="Cobro doble.")
    assert "utar" in str(missing.value)
    assert not Complaint.objects.exists()


def test_a_rolled_back_registration_sends_nothing(invoice, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        complaint_register(invoice=invoice, disputed_amount="10", reason="Cobro doble.")
        raise RuntimeError
    assert not Complaint.objects.exists() and not mail.outbox


def test_disagreeing_reopens_the_complaint_and_copies_the_overseers(
    team, complaint, django_capture_on_commit_callbacks
):
    complaint_record_answer(
        complaint=complaint, state="resolved", resolution="No procede.", user=team[Role.TEAM_LEAD]
    )
    with pytest.raises(ValidationError):
        complaint_disagree(complaint=complaint, disagreement=" ")
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_disagree(
            complaint=complaint, disagreement="No hizo esas llamadas.", user=team[Role.EXECUTIVE]
        )
    assert (complaint.state, complaint.disagreements, complaint.resolution) == ("assigned", 1, "")
    [email] = mail.outbox
    assert sorted(email.cc) == ["division_head@example.com", "team_lead@example.com"]
    with pytest.raises(ValidationError):
        complaint_accept(complaint=complaint)  # nothing to accept while UTAR reviews it
    with pytest.raises(ValidationError):
        complaint_disagree(complaint=complaint, disagreement="Otra vez.")


def test_urgency_only_while_the_complaint_is_at_utar(team, complaint):
    assert complaint_urge(complaint=complaint, note="Cliente molesto.").to == [
        "utar@posventa.localhost"
    ]
    complaint_record_answer(
        complaint=complaint, state="resolved", resolution="Procede.", user=team[Role.TEAM_LEAD]
    )
    with pytest.raises(ValidationError):
        complaint_urge(complaint=complaint)


# --- screens --------------------------------------------------------------------------


def test_the_list_shows_the_complaints_at_utar_to_whom_may_see_them(client, team, complaint):
    client.force_login(team[Role.COMMERCIAL_MANAGER])
    page = client.get(reverse("claims:list")).content.decode()
    assert complaint.number in page
    resolved = client.get(reverse("claims:list"), {"state": "resolved"}).content.decode()
    assert complaint.number not in resolved
    assert client.get(reverse("claims:list"), {"state": "nonsense"}).status_code == 200

    stranger = UserFactory(role=Role.EXECUTIVE)
    client.force_login(stranger)
    assert complaint.number not in client.get(reverse("claims:list")).content.decode()
    assert client.get(reverse("claims:detail", args=[complaint.pk])).status_code == 404


def test_the_commercial_manager_records_utar_answer_on_the_complaint_page(client, team, complaint):
    client.force_login(team[Role.COMMERCIAL_MANAGER])
    url = reverse("claims:answer", args=[complaint.pk])
    page = client.get(reverse("claims:detail", args=[complaint.pk])).content.decode()
    assert 'data-form="answer"' in page
    assert "utar@posventa.localhost" in page  # the e-mail that took it to UTAR

    refused = client.post(url, {"state": "resolved", "resolution": ""})
    assert refused.status_code == 422
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.REGISTERED

    response = client.post(url, {"state": "assigned"})
    assert response.status_code == 302
    response = client.post(url, {"state": "resolved", "resolution": "Procede."}, follow=True)
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert (complaint.state, complaint.resolution) == (ComplaintState.RESOLVED, "Procede.")
    assert [c.state for c in complaint.changes.all()] == ["registered", "assigned", "resolved"]
    page = client.get(reverse("claims:detail", args=[complaint.pk])).content.decode()
    assert 'data-form="answer"' not in page


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.TECHNICAL_MANAGER, Role.DIVISION_HEAD])
def test_other_roles_may_not_record_utar_answers(client, team, complaint, role):
    client.force_login(team[role])
    url = reverse("claims:answer", args=[complaint.pk])
    assert client.post(url, {"state": "resolved", "resolution": "x"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.REGISTERED


def test_the_complaint_page_of_another_customer_is_not_found_for_an_executive(client, team):
    other = CompanyFactory(executive=UserFactory(role=Role.EXECUTIVE))
    complaint = complaint_register(
        invoice=InvoiceFactory(product=ProductFactory(company=other)),
        disputed_amount="5",
        reason="x",
    )
    client.force_login(team[Role.EXECUTIVE])
    assert client.get(reverse("claims:detail", args=[complaint.pk])).status_code == 404
