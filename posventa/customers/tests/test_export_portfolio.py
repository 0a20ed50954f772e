"""The portfolio and its products as Excel files: the page's filters, the
user's scope, typed cells."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.common.tests.xlsx import (
    assert_layout,
    assert_money,
    headers,
    no_writes,
    records,
    sheet_of,
    values,
)
from posventa.customers.exports import PORTFOLIO_COLUMNS, PRODUCT_COLUMNS
from posventa.factories import (
    CompanyFactory,
    PlanFactory,
    ProductFactory,
    UserFactory,
    product_type,
)
from posventa.inventory.models import ProductStatus

pytestmark = pytest.mark.django_db

PORTFOLIO = reverse("customers:portfolio")
PRODUCTS = reverse("customers:products_xlsx")


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
def portfolio(people):
    clinic = CompanyFactory(
        executive=people["ana"],
        nit="1020703023",
        legal_name="Clínica Cala Cala S.R.L.",
        is_public_institution=True,
    )
    school = CompanyFactory(executive=people["ana"], nit="1020703099", legal_name="Colegio Alemán")
    hotel = CompanyFactory(executive=people["beto"], nit="3543668166", legal_name="Hotel Muyurina")
    fiber = PlanFactory(code="INT-50", name="Internet 50 Mbps", monthly_price=Decimal("520.00"))
    tv = PlanFactory(
        code="TV-1", name="TV Hogar", product_type=product_type("pay_tv"), monthly_price=150
    )
    return {
        "clinic": clinic,
        "school": school,
        "hotel": hotel,
        "clinic_internet": ProductFactory(
            company=clinic, service_number="44100001", plan=fiber, technology="fiber"
        ),
        "clinic_tv": ProductFactory(
            company=clinic, service_number="44100002", plan=tv, technology="copper"
        ),
        "clinic_old": ProductFactory(
            company=clinic,
            service_number="44100003",
            plan=fiber,
            status=ProductStatus.WITHDRAWN,
            withdrawn_on="2025-06-30",
        ),
        "hotel_internet": ProductFactory(company=hotel, service_number="44200001", plan=fiber),
    }


def test_the_portfolio_downloads_as_the_executive_sees_it(client, people, portfolio):
    client.force_login(people["ana"])
    with no_writes():
        sheet = sheet_of(client.get(PORTFOLIO, {"formato": "xlsx"}))
    assert headers(sheet) == [str(c.header) for c in PORTFOLIO_COLUMNS]
    assert_layout(sheet)
    rows = records(sheet)
    # Her two companies, by name; never Beto's hotel.
    assert [r["NIT"].value for r in rows] == ["1020703023", "1020703099"]
    clinic = rows[0]
    assert clinic["NIT"].data_type == "s"  # a NIT stays text (no lost leading zeros)
    assert clinic[_("Active products")].value == 2  # the withdrawn one is not counted
    assert clinic[_("Public institution")].value == "Sí"
    assert rows[1][_("Public institution")].value == "No"


def test_the_portfolio_file_keeps_the_search_and_the_executive_filter(client, people, portfolio):
    client.force_login(people["lead"])
    sheet = sheet_of(client.get(PORTFOLIO, {"formato": "xlsx", "executive": people["beto"].pk}))
    assert values(sheet, "NIT") == ["3543668166"]
    sheet = sheet_of(client.get(PORTFOLIO, {"formato": "xlsx", "q": "cala cala", "page": "9"}))
    assert values(sheet, "NIT") == ["1020703023"]


def test_an_executive_cannot_widen_the_file_with_the_executive_filter(client, people, portfolio):
    client.force_login(people["ana"])
    sheet = sheet_of(client.get(PORTFOLIO, {"formato": "xlsx", "executive": people["beto"].pk}))
    assert "3543668166" not in values(sheet, "NIT")


@pytest.mark.parametrize(
    "params",
    [
        {"executive": "99999999999999999999999"},
        {"executive": "abc", "q": "x" * 5000},
        {"q": "\u202e\ufeff%", "page": "-1"},
    ],
)
def test_bad_filters_are_read_as_the_page_reads_them(client, people, portfolio, params):
    client.force_login(people["lead"])
    assert client.get(PORTFOLIO, params).status_code == 200
    sheet_of(client.get(PORTFOLIO, {**params, "formato": "xlsx"}))


def test_the_portfolio_page_links_to_both_files_with_its_filters(client, people, portfolio):
    client.force_login(people["lead"])
    page = client.get(PORTFOLIO, {"q": "cala", "page": "1"}).content.decode()
    assert 'href="/clientes/?q=cala&amp;formato=xlsx"' in page
    assert 'href="/clientes/productos.xlsx?q=cala"' in page


def test_products_download_with_typed_cells_for_the_executive(client, people, portfolio):
    client.force_login(people["ana"])
    with no_writes():
        response = client.get(PRODUCTS)
    sheet = sheet_of(response)
    assert headers(sheet) == [str(c.header) for c in PRODUCT_COLUMNS]
    assert response["Content-Disposition"].startswith('attachment; filename="productos-')
    rows = {r[_("Service number")].value: r for r in records(sheet)}
    # Her clinic's three products; never the hotel's.
    assert set(rows) == {"44100001", "44100002", "44100003"}
    internet = rows["44100001"]
    assert_money(internet[_("Monthly price (Bs)")], Decimal("520.00"))
    assert internet[_("Installed on")].value == datetime(2024, 1, 15)
    assert internet[_("Installed on")].number_format == "dd/mm/yyyy"
    assert internet[_("Permanence ends on")].value == datetime(2025, 1, 15)
    assert internet[_("Minimum permanence (months)")].value == 12
    assert internet[_("Technology")].value == _("Fiber") == "Fibra óptica"
    assert rows["44100003"][_("Withdrawn on")].value == datetime(2025, 6, 30)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "pay_tv"}, {"44100002"}),
        ({"technology": "fiber"}, {"44100001"}),
        ({"status": "withdrawn"}, {"44100003"}),
        ({"status": "active", "type": "internet"}, {"44100001", "44200001"}),
        ({"q": "muyurina"}, {"44200001"}),
    ],
)
def test_products_are_filtered(client, people, portfolio, params, expected):
    client.force_login(people["lead"])
    assert set(values(sheet_of(client.get(PRODUCTS, params)), _("Service number"))) == expected


def test_products_by_company_and_plan(client, people, portfolio):
    client.force_login(people["lead"])
    plan = portfolio["clinic_internet"].plan
    sheet = sheet_of(client.get(PRODUCTS, {"company": portfolio["hotel"].pk, "plan": plan.pk}))
    assert values(sheet, _("Service number")) == ["44200001"]


def test_an_executive_gets_no_product_of_another_portfolio(client, people, portfolio):
    client.force_login(people["ana"])
    sheet = sheet_of(client.get(PRODUCTS, {"company": portfolio["hotel"].pk}))
    assert records(sheet) == []
    # The executive filter is not hers to use: she still gets her own products only.
    sheet = sheet_of(client.get(PRODUCTS, {"executive": people["beto"].pk}))
    assert values(sheet, "NIT") == ["1020703023"] * 3


@pytest.mark.parametrize(
    "params",
    [
        {"type": "lasers", "technology": "5g", "status": "gone"},
        {"company": "-1", "plan": "1e9"},
        {"company": "123456789012345678901234567890"},
    ],
)
def test_bad_product_filters_filter_nothing(client, people, portfolio, params):
    client.force_login(people["ana"])
    assert len(records(sheet_of(client.get(PRODUCTS, params)))) == 3


def test_the_products_file_needs_a_login_and_a_get(client, people, portfolio):
    response = client.get(PRODUCTS)
    assert response.status_code == 302 and "/entrar/" in response["Location"]
    client.force_login(people["ana"])
    assert client.post(PRODUCTS).status_code == 405


def test_a_user_without_a_role_gets_an_empty_file(client, portfolio):
    client.force_login(UserFactory(username="nadie", role=""))
    assert records(sheet_of(client.get(PRODUCTS))) == []
    assert records(sheet_of(client.get(PORTFOLIO, {"formato": "xlsx"}))) == []
