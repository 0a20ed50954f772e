from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from posventa.common.models import Channel
from posventa.customers.models import Company, Contact, Direction, Interaction
from posventa.factories import CompanyFactory, ContactFactory, InteractionFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("model", "factory"),
    [("company", CompanyFactory), ("contact", ContactFactory), ("interaction", InteractionFactory)],
)
def test_changelist_change_and_add_pages_open(admin_client, model, factory):
    obj = factory()
    changelist = admin_client.get(reverse(f"admin:customers_{model}_changelist"))
    assert changelist.status_code == 200
    assert (
        admin_client.get(reverse(f"admin:customers_{model}_change", args=[obj.pk])).status_code
        == 200
    )
    assert admin_client.get(reverse(f"admin:customers_{model}_add")).status_code == 200


@pytest.mark.parametrize(
    ("model", "make"),
    [
        ("company", lambda: ProductFactory().company),
        ("contact", ContactFactory),
        ("interaction", lambda: InteractionFactory(contact=ContactFactory())),
    ],
)
def test_the_changelist_costs_the_same_for_2_or_6_rows(admin_client, model, make):
    url = reverse(f"admin:customers_{model}_changelist")
    for _ in range(2):
        make()
    few = _queries(admin_client, url)
    for _ in range(4):
        make()
    assert _queries(admin_client, url) == few


def test_the_company_page_shows_its_contacts_and_products(admin_client):
    company = CompanyFactory()
    ContactFactory(company=company, name="Rosa Mamani")
    ProductFactory(company=company, service_number="4412345")
    response = admin_client.get(reverse("admin:customers_company_change", args=[company.pk]))
    assert "Rosa Mamani" in response.text
    assert "4412345" in response.text


@pytest.mark.parametrize("term", ["1020.703", "1020-703-023", "Andina"])
def test_companies_are_found_by_nit_typed_any_way_or_by_name(admin_client, term):
    CompanyFactory(nit="1020703023", legal_name="Andina S.R.L.")
    CompanyFactory(nit="3456789012", legal_name="Cóndor S.A.")
    response = admin_client.get(reverse("admin:customers_company_changelist"), {"q": term})
    assert "Andina S.R.L." in response.text
    assert "Cóndor S.A." not in response.text


def _company_post(executive, **overrides):
    data = {
        "nit": "1020.703.023",
        "legal_name": "Andina S.R.L.",
        "trade_name": "",
        "address": "Av. América 100",
        "zone": "",
        "neighbourhood": "",
        "city": "Cochabamba",
        "executive": executive.pk,
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "products-TOTAL_FORMS": "0",
        "products-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def test_adding_a_company_stores_the_nit_as_digits(admin_client, executive):
    response = admin_client.post(reverse("admin:customers_company_add"), _company_post(executive))
    assert response.status_code == 302
    assert Company.objects.get().nit == "1020703023"


def test_the_owner_must_be_an_executive(admin_client, team_lead):
    response = admin_client.post(reverse("admin:customers_company_add"), _company_post(team_lead))
    assert response.status_code == 200
    assert "executive" in response.context["adminform"].form.errors
    assert not Company.objects.exists()


def _contacts_post(company, rows):
    data = {
        "nit": company.nit,
        "legal_name": company.legal_name,
        "trade_name": "",
        "address": company.address,
        "zone": "",
        "neighbourhood": "",
        "city": company.city,
        "executive": company.executive_id,
        "contacts-TOTAL_FORMS": str(len(rows)),
        "contacts-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        "products-TOTAL_FORMS": "0",
        "products-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(rows):
        data.update(
            {
                f"contacts-{i}-id": row.get("id", ""),
                f"contacts-{i}-company": company.pk,
                f"contacts-{i}-name": row["name"],
                f"contacts-{i}-preferred_channel": Channel.EMAIL,
            }
        )
        if row.get("is_primary"):
            data[f"contacts-{i}-is_primary"] = "on"
    return data


def test_a_new_primary_contact_replaces_the_old_one_in_one_save(admin_client):
    company = CompanyFactory()
    old = ContactFactory(company=company, name="Luis", is_primary=True)
    response = admin_client.post(
        reverse("admin:customers_company_change", args=[company.pk]),
        _contacts_post(
            company, [{"id": old.pk, "name": "Luis"}, {"name": "Carla", "is_primary": True}]
        ),
    )
    assert response.status_code == 302
    assert list(company.contacts.filter(is_primary=True).values_list("name", flat=True)) == [
        "Carla"
    ]


def test_a_new_primary_leaving_the_old_one_ticked_replaces_it(admin_client):
    company = CompanyFactory()
    old = ContactFactory(company=company, name="Luis", is_primary=True)
    response = admin_client.post(
        reverse("admin:customers_contact_add"),
        {
            "company": company.pk,
            "name": "Carla",
            "preferred_channel": Channel.EMAIL,
            "is_primary": "on",
        },
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert not old.is_primary
    assert company.contacts.get(is_primary=True).name == "Carla"


def test_two_primaries_in_one_save_are_refused(admin_client):
    company = CompanyFactory()
    response = admin_client.post(
        reverse("admin:customers_company_change", args=[company.pk]),
        _contacts_post(
            company, [{"name": "Luis", "is_primary": True}, {"name": "Carla", "is_primary": True}]
        ),
    )
    assert response.status_code == 200
    assert not Contact.objects.exists()


def test_an_interaction_added_in_the_admin_is_recorded_by_whoever_is_logged_in(
    admin_client, admin_user
):
    company = CompanyFactory()
    response = admin_client.post(
        reverse("admin:customers_interaction_add"),
        {
            "company": company.pk,
            "occurred_at_0": "10/06/2025",
            "occurred_at_1": "10:30:00",
            "channel": Channel.PHONE,
            "direction": Direction.INBOUND,
            "summary": "Consulta por deuda.",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    interaction = Interaction.objects.get()
    assert interaction.recorded_by == admin_user
    assert interaction.occurred_at == datetime(2025, 6, 10, 14, 30, tzinfo=UTC)  # La Paz is UTC-4


def test_an_interaction_with_another_companys_contact_is_refused(admin_client):
    company = CompanyFactory()
    response = admin_client.post(
        reverse("admin:customers_interaction_add"),
        {
            "company": company.pk,
            "occurred_at_0": "10/06/2025",
            "occurred_at_1": "10:30:00",
            "channel": Channel.PHONE,
            "direction": Direction.INBOUND,
            "contact": ContactFactory().pk,
            "summary": "Consulta.",
        },
    )
    assert response.status_code == 200
    assert "contact" in response.context["adminform"].form.errors
    assert not Interaction.objects.exists()


def test_companies_can_be_filtered_by_executive(admin_client, executive, other_executive):
    CompanyFactory(executive=executive, legal_name="De la ejecutiva")
    CompanyFactory(executive=other_executive, legal_name="De la otra")
    response = admin_client.get(
        reverse("admin:customers_company_changelist"), {"executive__id__exact": executive.pk}
    )
    assert "De la ejecutiva" in response.text
    assert "De la otra" not in response.text
