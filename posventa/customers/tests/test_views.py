"""The portfolio and customer pages, through Django's test client."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from posventa.accounts import roles
from posventa.accounts.roles import Capability, Role
from posventa.customers.models import Interaction
from posventa.factories import (
    PASSWORD,
    CompanyFactory,
    ContactFactory,
    EnabledServiceFactory,
    EquipmentFactory,
    InteractionFactory,
    InvoiceFactory,
    PlanFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        "ana": UserFactory(username="ana", role=Role.EXECUTIVE, first_name="Ana", last_name="Lima"),
        "beto": UserFactory(
            username="beto", role=Role.EXECUTIVE, first_name="Beto", last_name="Soria"
        ),
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


def text_of(response) -> str:
    return response.content.decode()


# --- Access -------------------------------------------------------------------


def test_pages_need_a_login(client, companies):
    for url in (
        reverse("customers:portfolio"),
        reverse("customers:detail", args=[companies["ana"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/entrar/" in response["Location"]
    response = client.post(
        reverse("customers:interaction_add", args=[companies["ana"].pk]), {"summary": "x"}
    )
    assert response.status_code == 302 and "/entrar/" in response["Location"]
    assert not Interaction.objects.exists()


# --- Portfolio ----------------------------------------------------------------


def test_an_executive_sees_only_her_portfolio(client, people, companies):
    page = text_of(as_user(client, people["ana"]).get(reverse("customers:portfolio")))
    assert "Clínica Cala Cala S.R.L." in page
    assert "Hotel Muyurina" not in page
    assert "<h1" in page and "Mi cartera" in page
    assert "1 empresa" in page
    # Her own name in every row would say nothing; nor may she filter by executive.
    assert 'name="executive"' not in page


def test_an_executive_cannot_widen_her_portfolio_with_the_executive_filter(
    client, people, companies
):
    page = text_of(
        as_user(client, people["ana"]).get(
            reverse("customers:portfolio"), {"executive": people["beto"].pk}
        )
    )
    assert "Clínica Cala Cala S.R.L." in page and "Hotel Muyurina" not in page


def test_the_team_lead_sees_every_portfolio_and_filters_by_executive(client, people, companies):
    client = as_user(client, people["lead"])
    page = text_of(client.get(reverse("customers:portfolio")))
    assert "Clínica Cala Cala S.R.L." in page and "Hotel Muyurina S.R.L." in page
    assert "Todos los ejecutivos" in page and "Beto Soria" in page and "Ana Lima" in page
    page = text_of(client.get(reverse("customers:portfolio"), {"executive": people["beto"].pk}))
    assert "Hotel Muyurina" in page and "Clínica" not in page
    assert f'<option value="{people["beto"].pk}" selected>' in page


@pytest.mark.parametrize(
    ("search", "found", "hidden"),
    [
        ("3543668", "Hotel Muyurina S.R.L.", "Clínica"),
        ("354.366-8166", "Hotel Muyurina S.R.L.", "Clínica"),
        ("muyurina", "Hotel Muyurina S.R.L.", "Clínica"),
        ("cala cala", "Clínica Cala Cala S.R.L.", "Hotel Muyurina"),
    ],
)
def test_search_by_nit_or_name(client, people, companies, search, found, hidden):
    page = text_of(
        as_user(client, people["lead"]).get(reverse("customers:portfolio"), {"q": search})
    )
    assert found in page and hidden not in page
    assert f'value="{search}"' in page  # the box keeps what was typed


def test_an_exact_nit_still_shows_the_list(client, people, companies):
    response = as_user(client, people["ana"]).get(
        reverse("customers:portfolio"), {"q": "1020703023"}
    )
    assert response.status_code == 200
    assert reverse("customers:detail", args=[companies["ana"].pk]) in text_of(response)


def test_a_search_without_results_says_so(client, people, companies):
    page = text_of(
        as_user(client, people["lead"]).get(reverse("customers:portfolio"), {"q": "zzzz"})
    )
    assert "Ninguna empresa coincide con “zzzz”." in page


def test_an_empty_portfolio_says_so(client, make_user):
    newcomer = make_user(Role.EXECUTIVE, username="nueva")
    page = text_of(as_user(client, newcomer).get(reverse("customers:portfolio")))
    assert "No hay empresas en esta cartera." in page


def test_the_portfolio_pages_by_25_and_keeps_the_search(client, people):
    for n in range(30):
        CompanyFactory(executive=people["ana"], legal_name=f"Transportes {n:02d} S.R.L.")
    client = as_user(client, people["ana"])
    page = text_of(client.get(reverse("customers:portfolio"), {"q": "transportes"}))
    assert "30 empresas" in page and "Página 1 de 2" in page
    assert "Transportes 24 S.R.L." in page and "Transportes 25 S.R.L." not in page
    assert 'href="?q=transportes&amp;page=2"' in page
    page = text_of(client.get(reverse("customers:portfolio"), {"q": "transportes", "page": 2}))
    assert "Transportes 29 S.R.L." in page and "Transportes 00 S.R.L." not in page
    assert "Página 2 de 2" in page


def test_the_portfolio_shows_active_products_and_public_institutions(client, people):
    school = CompanyFactory(
        executive=people["ana"], legal_name="Unidad Educativa Tunari", is_public_institution=True
    )
    ProductFactory(company=school)
    ProductFactory(company=school)
    ProductFactory(company=school, status="withdrawn", withdrawn_on=date(2025, 1, 31))
    page = text_of(as_user(client, people["ana"]).get(reverse("customers:portfolio")))
    assert "Productos activos" in page
    assert "2 productos activos" in page  # the phone's card; the withdrawn one is not counted
    assert "Institución pública" in page


# --- Customer page ------------------------------------------------------------


def test_an_executive_cannot_open_another_executives_customer(client, people, companies):
    client = as_user(client, people["ana"])
    response = client.get(reverse("customers:detail", args=[companies["beto"].pk]))
    assert response.status_code == 404
    assert client.get(reverse("customers:detail", args=[companies["ana"].pk])).status_code == 200


def test_the_team_lead_opens_any_customer(client, people, companies):
    response = as_user(client, people["lead"]).get(
        reverse("customers:detail", args=[companies["beto"].pk])
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "Hotel Muyurina S.R.L." in page and "Muyurina" in page
    assert re.search(r"NIT <span[^>]*>3543668166</span>", page)
    assert "Beto Soria" in page


def test_the_customer_page_tells_the_whole_story(client, people):
    company = CompanyFactory(
        executive=people["ana"],
        legal_name="Gobierno Municipal de Sacaba",
        trade_name="GAM Sacaba",
        address="Plaza 6 de Agosto",
        zone="Norte",
        neighbourhood="El Abra",
        is_public_institution=True,
    )
    ContactFactory(
        company=company,
        name="Carla Ovando",
        position="Jefa de Sistemas",
        phone="4-4701122",
        whatsapp="70712345",
        email="covando@sacaba.example",
        preferred_channel="whatsapp",
        is_primary=True,
    )
    plan = PlanFactory(name="Internet Empresarial 50 Mbps", monthly_price=Decimal("1234.50"))
    product = ProductFactory(
        company=company,
        service_number="INT-7001",
        plan=plan,
        technology="fiber",
        installed_on=date(2021, 3, 5),
        minimum_permanence_months=24,
    )
    EnabledServiceFactory(product=product)
    EquipmentFactory(product=product, serial="HWTC0001")
    client = as_user(client, people["ana"])
    url = reverse("customers:detail", args=[company.pk])
    # The story is told across the page's sections (?seccion=), each its own page.
    page = " ".join(
        text_of(client.get(url, {"seccion": section}))
        for section in ("resumen", "productos", "interacciones")
    )
    for expected in (
        "Gobierno Municipal de Sacaba",
        "GAM Sacaba",
        "Plaza 6 de Agosto",
        "El Abra",
        "Norte",
        "Ana Lima",
        "Paga mediante SIGEP",
        "Carla Ovando",
        "Jefa de Sistemas",
        "4-4701122",
        "WhatsApp 70712345",
        "covando@sacaba.example",
        "principal",
        "INT-7001",
        "Internet Empresarial 50 Mbps",
        "Bs 1.234,50",
        "Fibra óptica",
        "Activo",
        "05/03/2021",  # installed on
        "Permanencia hasta 05/03/2023 · cumplida",
        "HWTC0001",
        "Al día",
        "Todavía no hay interacciones.",
    ):
        assert expected in page, expected


def test_an_account_in_arrears_shows_how_much_and_since_when(client, people, companies):
    company = companies["ana"]
    product = ProductFactory(company=company, service_number="MP-4485688")
    today = timezone.localdate()
    InvoiceFactory(
        product=product, period=date(2020, 1, 1), amount="560.00", due_date=date(2020, 2, 20)
    )
    InvoiceFactory(
        product=product, period=date(2020, 2, 1), amount="700.25", due_date=date(2020, 3, 20)
    )
    InvoiceFactory(
        product=product, period=date(2020, 3, 1), amount="100.00", due_date=today + timedelta(9)
    )
    page = text_of(
        as_user(client, people["ana"]).get(
            reverse("customers:detail", args=[company.pk]), {"seccion": "facturacion"}
        )
    )
    assert "En mora" in page and "Bs 1.260,25" in page
    assert "2 facturas en mora, la más antigua vencida desde el 20/02/2020" in page
    assert "Deuda por producto" in page and "MP-4485688" in page and "Bs 1.360,25" in page


def test_the_timeline_is_newest_first_in_la_paz_time(client, people, companies):
    company = companies["ana"]
    InteractionFactory(
        company=company,
        summary="Primera llamada.",
        occurred_at=datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
    )
    InteractionFactory(
        company=company,
        summary="Segunda llamada.",
        occurred_at=datetime(2026, 3, 11, 2, 30, tzinfo=UTC),
    )
    page = text_of(
        as_user(client, people["ana"]).get(reverse("customers:detail", args=[company.pk]))
    )
    assert page.index("Segunda llamada.") < page.index("Primera llamada.")
    assert "10/03/2026 22:30" in page  # 02:30 UTC is the evening before in La Paz
    assert "10/03/2026 10:00" in page


# --- Recording an interaction ---------------------------------------------------


def interaction(client, company, htmx=True, **data):
    payload = {"channel": "phone", "direction": "outbound", "summary": "Llamada de seguimiento."}
    payload.update(data)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("customers:interaction_add", args=[company.pk]), payload, headers=headers
    )


def test_an_interaction_added_with_htmx_comes_back_in_the_timeline(client, people, companies):
    contact = ContactFactory(company=companies["ana"], name="Carla Ovando")
    InteractionFactory(company=companies["ana"], summary="Una llamada anterior.")
    client = as_user(client, people["ana"])
    response = interaction(
        client, companies["ana"], summary="Confirma la visita del jueves.", contact=contact.pk
    )
    assert response.status_code == 200
    html = text_of(response)
    assert "<html" not in html  # a fragment, not a page
    assert 'id="interactions"' in html
    assert html.index("Confirma la visita del jueves.") < html.index("Una llamada anterior.")
    assert "Interacción registrada." in html and 'hx-swap-oob="innerHTML"' in html
    assert "Registrada por Ana Lima" in html and "Carla Ovando" in html
    # A fresh, empty form for the next one.
    assert re.search(r'<textarea name="summary"[^>]*>\s*</textarea>', html)
    saved = Interaction.objects.get(summary="Confirma la visita del jueves.")
    assert (saved.company, saved.recorded_by, saved.contact) == (
        companies["ana"],
        people["ana"],
        contact,
    )
    assert abs(saved.occurred_at - timezone.now()) < timedelta(minutes=1)  # "now" by default


def test_a_past_date_and_time_is_kept_in_la_paz_time(client, people, companies):
    interaction(as_user(client, people["ana"]), companies["ana"], occurred_at="2026-03-10T09:15")
    saved = Interaction.objects.get()
    assert saved.occurred_at == datetime(2026, 3, 10, 13, 15, tzinfo=UTC)


def test_without_htmx_the_post_redirects_back_to_the_page(client, people, companies):
    client = as_user(client, people["ana"])
    response = interaction(client, companies["ana"], htmx=False)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("customers:detail", args=[companies["ana"].pk]) + "?seccion=interacciones"
    )
    page = text_of(client.get(response["Location"]))
    assert "Interacción registrada." in page and "Llamada de seguimiento." in page


def test_without_htmx_bad_input_shows_the_whole_page_with_the_error(client, people, companies):
    response = interaction(as_user(client, people["ana"]), companies["ana"], htmx=False, summary="")
    assert response.status_code == 422
    page = text_of(response)
    assert "<html" in page and "Escriba qué se habló." in page
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"summary": ""}, "summary", "Escriba qué se habló."),
        ({"summary": "   "}, "summary", "Escriba qué se habló."),
        # Checked by the service, not the form: its error lands on the field.
        (
            {"occurred_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
            "occurred_at",
            "La fecha de la interacción no puede estar en el futuro.",
        ),
        ({"occurred_at": "31/02/2026 25:99"}, "occurred_at", "Introduzca una fecha/hora válida."),
        ({"channel": "telegram"}, "channel", "Escoja una opción válida"),
        # PostgreSQL refuses NUL in text: the form stops it first.
        ({"summary": "Hola\x00"}, "summary", "Los caracteres nulos no están permitidos."),
    ],
)
def test_bad_input_gets_a_spanish_message_and_saves_nothing(
    client, people, companies, data, field, message
):
    response = interaction(as_user(client, people["ana"]), companies["ana"], **data)
    assert response.status_code == 200  # htmx swaps it in place of the form
    html = text_of(response)
    errors = re.search(rf'<div id="id_{field}_errors"[^>]*>(.*?)</div>', html, re.S)
    assert errors and message in errors.group(1)
    assert "La interacción no se registró" in html
    assert "Interacción registrada." not in html
    assert not Interaction.objects.exists()


def test_a_contact_of_another_company_is_refused(client, people, companies):
    stranger = ContactFactory(company=companies["beto"])
    response = interaction(as_user(client, people["lead"]), companies["ana"], contact=stranger.pk)
    assert "El contacto no pertenece a este cliente." in text_of(response)
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


def test_a_role_the_service_refuses_gets_403_in_spanish(client, people, companies, monkeypatch):
    # A role that may read every customer but not record: the service says no.
    monkeypatch.setitem(
        roles.ROLE_CAPABILITIES, Role.TEAM_LEAD, frozenset({Capability.VIEW_ALL_PORTFOLIOS})
    )
    response = interaction(as_user(client, people["lead"]), companies["ana"])
    assert response.status_code == 403
    assert "Su rol no puede registrar interacciones." in text_of(response)
    assert not Interaction.objects.exists()


def test_reading_the_add_url_is_not_allowed(client, people, companies):
    response = as_user(client, people["ana"]).get(
        reverse("customers:interaction_add", args=[companies["ana"].pk])
    )
    assert response.status_code == 405
