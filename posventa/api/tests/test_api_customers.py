"""Customers, contacts, interactions, products and billing through the API:
each role that may, a 403 for a role that may not, and another portfolio's
rows answering 404 exactly as missing ones."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.customers.models import Contact, Interaction
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    EnabledServiceFactory,
    EquipmentFactory,
    InteractionFactory,
    InvoiceFactory,
    ProductFactory,
    SuspensionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOT_FOUND = "No encontrado."


@pytest.fixture
def mine(team):
    """A customer of the team's executive, with two contacts."""
    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Andina Textiles S.A.")
    ContactFactory(company=company, name="Ana Rojas", is_primary=True)
    ContactFactory(company=company, name="Bruno Paz")
    return company


@pytest.fixture
def stranger(db):
    """Another executive's customer."""
    other = UserFactory(role=Role.EXECUTIVE, username="otra")
    company = CompanyFactory(executive=other, legal_name="Ajena Minera S.A.")
    ContactFactory(company=company, name="Carla Ajena")
    return company


# --- the portfolio ------------------------------------------------------------------------


def test_an_executive_lists_only_her_portfolio_and_others_see_every_one(call, mine, stranger):
    mine_only = call(Role.EXECUTIVE, "get", "/customers").json()
    assert [c["id"] for c in mine_only] == [mine.pk]
    for role in (Role.TEAM_LEAD, Role.TECHNICAL_ANALYST, Role.COMMERCIAL_MANAGER):
        everyone = call(role, "get", "/customers").json()
        assert {c["id"] for c in everyone} == {mine.pk, stranger.pk}


def test_the_portfolio_filters_like_the_web(call, team, mine, stranger):
    assert [c["id"] for c in call(Role.TEAM_LEAD, "get", "/customers?q=minera").json()] == [
        stranger.pk
    ]
    assert [c["id"] for c in call(Role.TEAM_LEAD, "get", f"/customers?q={mine.nit[:6]}").json()]
    by_executive = call(Role.TEAM_LEAD, "get", f"/customers?executive_id={stranger.executive_id}")
    assert [c["id"] for c in by_executive.json()] == [stranger.pk]
    # An executive's executive filter is ignored, as on the web: her own, still.
    hers = call(Role.EXECUTIVE, "get", f"/customers?executive_id={stranger.executive_id}")
    assert [c["id"] for c in hers.json()] == [mine.pk]


def test_the_portfolio_is_paged_with_total_and_links(call, team):
    for _ in range(5):
        CompanyFactory(executive=team[Role.EXECUTIVE])
    response = call(Role.EXECUTIVE, "get", "/customers?limit=2&offset=2")
    assert response.status_code == 200
    assert len(response.json()) == 2
    assert response["X-Total-Count"] == "5"
    links = response["Link"]
    assert 'rel="prev"' in links and 'rel="next"' in links and "offset=4" in links


def test_a_customer_reads_with_its_contacts_and_account(call, mine):
    product = ProductFactory(company=mine)
    InvoiceFactory(product=product, period=date(2026, 1, 1))
    response = call(Role.TECHNICAL_ANALYST, "get", f"/customers/{mine.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [c["name"] for c in body["contacts"]] == ["Ana Rojas", "Bruno Paz"]
    assert body["contacts"][0]["is_primary"] is True
    assert body["account"]["up_to_date"] is False
    assert Decimal(body["account"]["overdue_amount"]) == Decimal("250.00")


def test_another_portfolios_customer_is_not_found_as_a_missing_one(call, mine, stranger):
    for path in (
        f"/customers/{stranger.pk}",
        f"/customers/{stranger.pk}/interactions",
        f"/billing/accounts/{stranger.pk}",
    ):
        theirs = call(Role.EXECUTIVE, "get", path)
        missing = call(Role.EXECUTIVE, "get", path.replace(str(stranger.pk), "999999"))
        assert (theirs.status_code, theirs.json()["detail"]) == (404, NOT_FOUND)
        assert (missing.status_code, missing.json()) == (404, theirs.json())


# --- a contact's data ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.TEAM_LEAD, Role.DIVISION_HEAD])
def test_who_keeps_the_customer_changes_a_contacts_data(call, mine, role):
    contact = mine.contacts.get(name="Bruno Paz")
    response = call(
        role,
        "patch",
        f"/customers/{mine.pk}/contacts/{contact.pk}",
        {"phone": " 4-4259999 ", "whatsapp": "77700011", "email": "bruno@andina.bo"},
    )
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert (contact.phone, contact.whatsapp, contact.email) == (
        "4-4259999",
        "77700011",
        "bruno@andina.bo",
    )
    assert contact.name == "Bruno Paz"  # what was not sent keeps its value


@pytest.mark.parametrize(
    "role", [Role.TECHNICAL_ANALYST, Role.TECHNICAL_MANAGER, Role.COMMERCIAL_MANAGER]
)
def test_the_other_roles_may_not_change_a_contact(call, mine, role):
    contact = mine.contacts.get(name="Bruno Paz")
    response = call(role, "patch", f"/customers/{mine.pk}/contacts/{contact.pk}", {"phone": "1"})
    assert response.status_code == 403
    assert "ejecutivo" in response.json()["detail"]
    contact.refresh_from_db()
    assert contact.phone == "4-4251234"


def test_a_new_primary_contact_replaces_the_old_one(call, mine):
    bruno = mine.contacts.get(name="Bruno Paz")
    response = call(
        Role.EXECUTIVE, "patch", f"/customers/{mine.pk}/contacts/{bruno.pk}", {"is_primary": True}
    )
    assert response.status_code == 200
    assert list(mine.contacts.filter(is_primary=True).values_list("name", flat=True)) == [
        "Bruno Paz"
    ]


def test_a_bad_email_is_refused_in_spanish_and_nothing_changes(call, mine):
    contact = mine.contacts.get(name="Bruno Paz")
    before = contact.email
    response = call(
        Role.EXECUTIVE,
        "patch",
        f"/customers/{mine.pk}/contacts/{contact.pk}",
        {"email": "no-es-un-correo", "phone": "4-4250000"},
    )
    assert response.status_code == 422
    assert "email" in response.json()["errors"]
    assert "correo" in response.json()["errors"]["email"][0].lower()
    contact.refresh_from_db()
    assert (contact.email, contact.phone) == (before, "4-4251234")


def test_an_empty_name_is_refused(call, mine):
    contact = mine.contacts.get(name="Bruno Paz")
    response = call(
        Role.EXECUTIVE, "patch", f"/customers/{mine.pk}/contacts/{contact.pk}", {"name": ""}
    )
    assert response.status_code == 422
    assert "name" in response.json()["errors"]


def test_another_portfolios_contact_is_not_found(call, mine, stranger):
    theirs = stranger.contacts.get()
    # Through another's customer, or through her own customer: both 404.
    for path in (
        f"/customers/{stranger.pk}/contacts/{theirs.pk}",
        f"/customers/{mine.pk}/contacts/{theirs.pk}",
        f"/customers/{mine.pk}/contacts/999999",
    ):
        response = call(Role.EXECUTIVE, "patch", path, {"phone": "1"})
        assert (response.status_code, response.json()["detail"]) == (404, NOT_FOUND)
    theirs.refresh_from_db()
    assert theirs.phone == "4-4251234"


# --- interactions -------------------------------------------------------------------------


def test_interactions_list_newest_first_and_paged(call, mine):
    now = timezone.now()
    for days in (3, 1, 2):
        InteractionFactory(company=mine, occurred_at=now - timedelta(days=days), summary=f"{days}")
    response = call(Role.TEAM_LEAD, "get", f"/customers/{mine.pk}/interactions?limit=2")
    assert [i["summary"] for i in response.json()] == ["1", "2"]
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_records_an_interaction_as_the_customer_page_does(call, mine, role):
    contact = mine.contacts.get(name="Ana Rojas")
    response = call(
        role,
        "post",
        f"/customers/{mine.pk}/interactions",
        {
            "channel": "phone",
            "direction": "inbound",
            "summary": "Pide el detalle de la factura.",
            "contact_id": contact.pk,
        },
    )
    assert response.status_code == 201, response.content
    interaction = Interaction.objects.get(pk=response.json()["id"])
    assert (interaction.contact, interaction.recorded_by.role) == (contact, role)


def test_an_interaction_in_the_future_or_with_anothers_contact_is_refused(call, mine, stranger):
    future = (timezone.now() + timedelta(days=1)).isoformat()
    late = call(
        Role.EXECUTIVE,
        "post",
        f"/customers/{mine.pk}/interactions",
        {"channel": "phone", "summary": "x", "occurred_at": future},
    )
    assert late.status_code == 422
    assert late.json()["errors"]["occurred_at"] == [
        "La fecha de la interacción no puede estar en el futuro."
    ]
    foreign = call(
        Role.EXECUTIVE,
        "post",
        f"/customers/{mine.pk}/interactions",
        {"channel": "phone", "summary": "x", "contact_id": stranger.contacts.get().pk},
    )
    assert foreign.status_code == 422
    assert "contact_id" in foreign.json()["errors"]
    empty = call(Role.EXECUTIVE, "post", f"/customers/{mine.pk}/interactions", {"channel": "phone"})
    assert empty.status_code == 422 and "summary" in empty.json()["errors"]
    assert not Interaction.objects.exists()


def test_an_interaction_with_another_portfolios_customer_is_not_found(call, stranger):
    response = call(
        Role.EXECUTIVE,
        "post",
        f"/customers/{stranger.pk}/interactions",
        {"channel": "phone", "summary": "x"},
    )
    assert (response.status_code, response.json()["detail"]) == (404, NOT_FOUND)
    assert not Interaction.objects.exists()


# --- products -----------------------------------------------------------------------------


def test_a_product_reads_with_its_services_equipment_and_suspensions(call, mine):
    enabled = EnabledServiceFactory(product__company=mine)
    product = enabled.product
    EquipmentFactory(product=product, serial="SN-ANDINA-1")
    SuspensionFactory(product=product)
    for role in (Role.EXECUTIVE, Role.TECHNICAL_ANALYST):
        response = call(role, "get", f"/products/{product.pk}")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["service_number"] == product.service_number
        assert body["plan"]["product_type"] == "fixed_line"
        assert [s["code"] for s in body["supplementary_services"]] == ["caller_id"]
        assert [e["serial"] for e in body["equipment"]] == ["SN-ANDINA-1"]
        assert body["suspensions"][0]["starts_on"] == "2025-03-01"


def test_products_list_is_scoped_filtered_and_paged(call, mine, stranger):
    ProductFactory(company=mine, technology="fiber")
    ProductFactory(company=mine, technology="copper")
    theirs = ProductFactory(company=stranger)
    response = call(Role.EXECUTIVE, "get", "/products")
    assert {p["company_id"] for p in response.json()} == {mine.pk}
    assert response["X-Total-Count"] == "2"
    fiber = call(Role.EXECUTIVE, "get", "/products?technology=fiber").json()
    assert [p["technology"] for p in fiber] == ["fiber"]
    assert call(Role.TEAM_LEAD, "get", "/products")["X-Total-Count"] == "3"
    assert call(Role.EXECUTIVE, "get", f"/products?company_id={stranger.pk}").json() == []
    hidden = call(Role.EXECUTIVE, "get", f"/products/{theirs.pk}")
    assert (hidden.status_code, hidden.json()["detail"]) == (404, NOT_FOUND)
    bad = call(Role.EXECUTIVE, "get", "/products?technology=laser")
    assert bad.status_code == 422 and "technology" in bad.json()["errors"]


# --- invoices and debts -------------------------------------------------------------------


def test_invoices_and_the_account_read_what_is_owed(call, mine, stranger):
    product = ProductFactory(company=mine)
    InvoiceFactory(product=product, period=date(2026, 1, 1))  # overdue long ago
    InvoiceFactory(product=product, period=date(2026, 2, 1), paid_on=date(2026, 2, 10))
    ProductFactory(company=stranger)
    InvoiceFactory(product__company=stranger, period=date(2026, 1, 1))
    for role in (Role.EXECUTIVE, Role.COMMERCIAL_MANAGER):
        invoices = call(role, "get", f"/billing/invoices?company_id={mine.pk}")
        assert invoices.status_code == 200
        assert [i["period"] for i in invoices.json()] == ["2026-02", "2026-01"]
        assert invoices["X-Total-Count"] == "2"
    overdue = call(Role.EXECUTIVE, "get", "/billing/invoices?state=overdue").json()
    assert [(i["period"], i["overdue"]) for i in overdue] == [("2026-01", True)]
    paid = call(Role.EXECUTIVE, "get", "/billing/invoices?state=paid").json()
    assert [i["period"] for i in paid] == ["2026-02"]
    assert call(Role.TEAM_LEAD, "get", "/billing/invoices")["X-Total-Count"] == "3"

    account = call(Role.EXECUTIVE, "get", f"/billing/accounts/{mine.pk}").json()
    assert account["up_to_date"] is False
    assert account["overdue_invoices"] == 1
    assert [d["service_number"] for d in account["products"]] == [product.service_number]


def test_another_portfolios_invoice_is_not_found(call, stranger):
    theirs = InvoiceFactory(product__company=stranger)
    response = call(Role.EXECUTIVE, "get", f"/billing/invoices/{theirs.pk}")
    assert (response.status_code, response.json()["detail"]) == (404, NOT_FOUND)
    assert call(Role.TEAM_LEAD, "get", f"/billing/invoices/{theirs.pk}").status_code == 200


def test_contacts_untouched_by_reads(call, mine):
    before = list(Contact.objects.values_list("pk", "updated_at"))
    call(Role.EXECUTIVE, "get", f"/customers/{mine.pk}")
    assert list(Contact.objects.values_list("pk", "updated_at")) == before


@pytest.mark.parametrize("raw", ["[]", '"texto"', "1"])
def test_a_contact_change_that_is_not_an_object_is_refused(client, team, mine, raw):
    contact = mine.contacts.get(name="Bruno Paz")
    key = token_create(user=team[Role.EXECUTIVE], name="raw")[1]
    response = client.patch(
        f"/api/v1/customers/{mine.pk}/contacts/{contact.pk}",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"__all__": ["Envíe un objeto JSON."]}
