"""The portfolio and customer pages, through Django's test client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.customers.models import Interaction
from posventa.factories import PASSWORD, CompanyFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        "ana": UserFactory(username="ana", role=Role.EXECUTIVE),
        "beto": UserFactory(username="beto", role=Role.EXECUTIVE),
        "lead": UserFactory(username="lead", role=Role.TEAM_LEAD),
    }


@pytest.fixture
def companies(people):
    return {
        "ana": CompanyFactory(
            executive=people["ana"], nit="1020703023", legal_name="Clínica Cala Cala S.R.L."
        ),
        "beto": CompanyFactory(
            executive=people["beto"],
            nit="3543668166",
            legal_name="Hotel Muyurina S.R.L.",
            trade_name="Muyurina",
        ),
    }


def as_user(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_pages_need_a_login(client, companies):
    response = client.get(reverse("customers:portfolio"))
    assert response.status_code == 302 and "/entrar/" in response["Location"]


def test_an_executive_sees_only_her_portfolio(client, people, companies):
    page = as_user(client, people["ana"]).get(reverse("customers:portfolio")).content.decode()
    assert "Clínica Cala Cala S.R.L." in page
    assert "Hotel Muyurina" not in page
    assert "Mi cartera" in page


def test_the_team_lead_sees_every_portfolio_and_filters_by_executive(client, people, companies):
    client = as_user(client, people["lead"])
    page = client.get(reverse("customers:portfolio")).content.decode()
    assert "Clínica Cala Cala S.R.L." in page and "Hotel Muyurina S.R.L." in page
    page = client.get(reverse("customers:portfolio"), {"executive": people["beto"].pk}).content
    assert b"Hotel Muyurina" in page and "Clínica".encode() not in page


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("3543668", "Hotel Muyurina S.R.L."),
        ("354.366-8166", "Hotel Muyurina S.R.L."),
        ("muyurina", "Hotel Muyurina S.R.L."),
        ("cala cala", "Clínica Cala Cala S.R.L."),
    ],
)
def test_search_by_nit_or_name(client, people, companies, search, found):
    page = (
        as_user(client, people["lead"])
        .get(reverse("customers:portfolio"), {"q": search})
        .content.decode()
    )
    assert found in page


def test_a_search_without_results_says_so(client, people, companies):
    page = (
        as_user(client, people["lead"])
        .get(reverse("customers:portfolio"), {"q": "zzzz"})
        .content.decode()
    )
    assert "Ninguna empresa coincide" in page


def test_an_executive_cannot_open_another_executives_customer(client, people, companies):
    client = as_user(client, people["ana"])
    assert client.get(reverse("customers:detail", args=[companies["beto"].pk])).status_code == 404
    assert client.get(reverse("customers:detail", args=[companies["ana"].pk])).status_code == 200


def test_the_team_lead_opens_any_customer(client, people, companies):
    response = as_user(client, people["lead"]).get(
        reverse("customers:detail", args=[companies["beto"].pk])
    )
    assert response.status_code == 200
    assert "NIT 3543668166" in response.content.decode()


def interaction(client, company, htmx=True, **data):
    payload = {"channel": "phone", "direction": "outbound", "summary": "Llamada de seguimiento."}
    payload.update(data)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("customers:interaction_add", args=[company.pk]), payload, headers=headers
    )


def test_an_interaction_added_with_htmx_comes_back_in_the_timeline(client, people, companies):
    client = as_user(client, people["ana"])
    response = interaction(client, companies["ana"], summary="Confirma la visita del jueves.")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="interactions"' in html and "Confirma la visita del jueves." in html
    assert "<html" not in html  # a fragment, not a page
    saved = Interaction.objects.get()
    assert (saved.company, saved.recorded_by) == (companies["ana"], people["ana"])


def test_without_htmx_the_post_redirects_back_to_the_page(client, people, companies):
    response = interaction(as_user(client, people["ana"]), companies["ana"], htmx=False)
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[companies["ana"].pk])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"summary": ""}, "Este campo es obligatorio."),
        (
            {"occurred_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
            "no puede estar en el futuro",
        ),
        ({"channel": "telegram"}, "Escoja una opción válida"),
    ],
)
def test_bad_input_gets_a_spanish_message_and_saves_nothing(
    client, people, companies, data, message
):
    response = interaction(as_user(client, people["ana"]), companies["ana"], **data)
    assert message in response.content.decode()
    assert not Interaction.objects.exists()


def test_a_contact_of_another_company_is_refused(client, people, companies):
    stranger = ContactFactory(company=companies["beto"])
    response = interaction(as_user(client, people["lead"]), companies["ana"], contact=stranger.pk)
    assert "Escoja una opción válida" in response.content.decode()
    assert not Interaction.objects.exists()


def test_recording_on_another_executives_customer_is_not_found(client, people, companies):
    response = interaction(as_user(client, people["ana"]), companies["beto"])
    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_a_user_without_a_role_cannot_record(client, companies):
    nobody = UserFactory(username="nobody", role="")
    response = interaction(as_user(client, nobody), companies["ana"])
    assert response.status_code == 404
    assert not Interaction.objects.exists()
