"""The customer page in sections (?seccion=), its interactions 25 to a page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    EquipmentFactory,
    InteractionFactory,
    InvoiceFactory,
    ProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECTIONS = ["resumen", "productos", "casos", "interacciones", "facturacion"]


@pytest.fixture
def ana():
    return UserFactory(username="ana", role=Role.EXECUTIVE, first_name="Ana", last_name="Lima")


@pytest.fixture
def company(ana):
    return CompanyFactory(executive=ana, legal_name="Clínica Cala Cala S.R.L.")


def page_of(client, company, **query) -> str:
    return client.get(reverse("customers:detail", args=[company.pk]), query).content.decode()


def shown_interactions(html: str) -> list[str]:
    return re.findall(r"Llamada número (\d+)\.", html)


def busy(company, count: int) -> None:
    """`count` interactions, one a day back from yesterday: number 1 the newest."""
    start = datetime(2026, 6, 1, 14, tzinfo=UTC)
    for n in range(1, count + 1):
        InteractionFactory(
            company=company, summary=f"Llamada número {n}.", occurred_at=start - timedelta(days=n)
        )


def test_the_page_opens_on_the_summary_with_a_link_to_each_section(client, ana, company):
    client.force_login(ana)
    html = page_of(client, company)
    for key in SECTIONS:
        assert f'href="?seccion={key}"' in html
    assert re.search(r'aria-current="page" data-section="resumen"', html)
    assert "Resumen" in html and "Facturación" in html and "Interacciones" in html
    assert 'id="company-heading"' in html and 'id="contacts-heading"' in html
    assert 'id="products-heading"' not in html  # products have their own section


def test_an_unknown_section_is_the_summary(client, ana, company):
    client.force_login(ana)
    for bad in ("x" * 500, "<script>", "RESUMEN", ""):
        response = client.get(reverse("customers:detail", args=[company.pk]), {"seccion": bad})
        assert response.status_code == 200
        assert re.search(r'aria-current="page" data-section="resumen"', response.content.decode())


def test_each_section_shows_its_own_part(client, ana, company):
    product = ProductFactory(company=company, service_number="INT-7001")
    EquipmentFactory(product=product, serial="HWTC0001")
    InvoiceFactory(product=product, period=datetime(2020, 1, 1).date(), amount="560.00")
    Case.objects.create(
        number="PV-2026-000042",
        company=company,
        procedure="B",
        channel="email",
        received_at=timezone.now(),
        subject="Cambio de plan",
    )
    ContactFactory(company=company, name="Carla Ovando")
    InteractionFactory(company=company, summary="Llamada número 1.")
    client.force_login(ana)
    products = page_of(client, company, seccion="productos")
    assert "INT-7001" in products and "HWTC0001" in products and "Carla Ovando" not in products
    cases = page_of(client, company, seccion="casos")
    assert "PV-2026-000042" in cases and "INT-7001" not in cases
    interactions = page_of(client, company, seccion="interacciones")
    assert "Llamada número 1." in interactions and 'name="summary"' in interactions
    billing = page_of(client, company, seccion="facturacion")
    assert "En mora" in billing and "Deuda por producto" in billing
    summary = page_of(client, company)
    assert "Carla Ovando" in summary and "1 solicitud abierta" in summary
    assert "1 producto en servicio" in summary and "Llamada número 1." in summary


def test_interactions_come_25_to_a_page_newest_first(client, ana, company):
    busy(company, 60)
    client.force_login(ana)
    first = page_of(client, company, seccion="interacciones")
    assert shown_interactions(first) == [str(n) for n in range(1, 26)]
    assert "Página 1 de 3" in first
    assert 'href="?seccion=interacciones&amp;page=2"' in first
    second = page_of(client, company, seccion="interacciones", page="2")
    assert shown_interactions(second) == [str(n) for n in range(26, 51)]
    last = page_of(client, company, seccion="interacciones", page="3")
    assert shown_interactions(last) == [str(n) for n in range(51, 61)]
    # A page past the end, or not a number, is the nearest real one: never an error.
    assert shown_interactions(page_of(client, company, seccion="interacciones", page="99")) == [
        str(n) for n in range(51, 61)
    ]
    assert shown_interactions(page_of(client, company, seccion="interacciones", page="x'")) == [
        str(n) for n in range(1, 26)
    ]


def test_the_summary_shows_only_the_three_latest_interactions(client, ana, company):
    busy(company, 10)
    client.force_login(ana)
    assert shown_interactions(page_of(client, company)) == ["1", "2", "3"]


def test_requests_come_25_to_a_page(client, ana, company):
    now = timezone.now()
    for n in range(1, 31):
        Case.objects.create(
            number=f"PV-2026-{n:06d}",
            company=company,
            procedure="B",
            channel="email",
            received_at=now - timedelta(hours=n),
            subject="Cambio de plan",
        )
    client.force_login(ana)
    first = page_of(client, company, seccion="casos")
    assert "PV-2026-000001" in first and "PV-2026-000025" in first
    assert "PV-2026-000026" not in first
    assert "PV-2026-000030" in page_of(client, company, seccion="casos", page="2")


def test_a_recorded_interaction_comes_back_on_the_first_page(client, ana, company):
    busy(company, 30)
    client.force_login(ana)
    response = client.post(
        reverse("customers:interaction_add", args=[company.pk]),
        {"channel": "phone", "direction": "outbound", "summary": "Llamada número 0."},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert shown_interactions(html)[:2] == ["0", "1"] and len(shown_interactions(html)) == 25
    assert "Página 1 de 2" in html


def test_another_portfolio_is_not_found_in_any_section(client, company):
    stranger = UserFactory(username="beto", role=Role.EXECUTIVE)
    client.force_login(stranger)
    for key in SECTIONS:
        response = client.get(reverse("customers:detail", args=[company.pk]), {"seccion": key})
        assert response.status_code == 404


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_takes_a_bounded_number_of_queries(
    client, ana, company, section, django_assert_max_num_queries
):
    for n in range(5):
        product = ProductFactory(company=company, service_number=f"INT-80{n}")
        EquipmentFactory(product=product, serial=f"SER{n}")
        InvoiceFactory(product=product, period=datetime(2020, 1, 1).date(), amount="10.00")
        ContactFactory(company=company, name=f"Contacto {n}", is_primary=n == 0)
    busy(company, 40)
    client.force_login(ana)
    # 4 to 8 today: session, user, company and the section's reads, never one per row.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("customers:detail", args=[company.pk]), {"seccion": section})
    assert response.status_code == 200
