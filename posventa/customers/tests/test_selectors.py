from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from posventa.accounts.roles import Role
from posventa.customers.selectors import companies_visible_to, company_timeline, portfolio
from posventa.factories import CompanyFactory, InteractionFactory, ProductFactory
from posventa.inventory.models import ProductStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_portfolios(executive, other_executive):
    mine = [
        CompanyFactory(executive=executive, nit="1020703023", legal_name="Andina Comercial S.R.L."),
        CompanyFactory(
            executive=executive,
            nit="3456789012",
            legal_name="Beta Ltda.",
            trade_name="Panadería Sol",
        ),
    ]
    theirs = [
        CompanyFactory(executive=other_executive, nit="1020999001", legal_name="Cóndor S.A."),
    ]
    return mine, theirs


def test_an_executive_sees_only_her_companies(executive, two_portfolios):
    mine, _theirs = two_portfolios
    assert list(portfolio(user=executive)) == mine
    assert list(companies_visible_to(executive)) == mine


@pytest.mark.parametrize(
    "role",
    [
        Role.TEAM_LEAD,
        Role.DIVISION_HEAD,
        Role.COMMERCIAL_MANAGER,
        Role.TECHNICAL_MANAGER,
        Role.TECHNICAL_ANALYST,
    ],
)
def test_the_roles_serving_the_team_see_every_company(make_user, two_portfolios, role):
    mine, theirs = two_portfolios
    assert list(portfolio(user=make_user(role))) == [*mine, *theirs]  # by legal name


def test_nobody_else_sees_anything(make_user, executive, two_portfolios):
    retired = make_user(Role.EXECUTIVE, username="jubilada", is_active=False)
    CompanyFactory(executive=retired)
    no_role = make_user("", username="sin_rol")
    for user in (AnonymousUser(), None, retired, no_role):
        assert not portfolio(user=user).exists()
        assert not companies_visible_to(user).exists()


@pytest.mark.parametrize("search", ["1020", "1.020.7", "1020-703", " 1020703023 "])
def test_search_by_nit_prefix_typed_any_way(team_lead, two_portfolios, search):
    names = [c.legal_name for c in portfolio(user=team_lead, search=search)]
    expected = ["Andina Comercial S.R.L."]
    if search.strip() == "1020":
        expected.append("Cóndor S.A.")
    assert names == expected


def test_the_nit_matches_from_its_start_only(team_lead, two_portfolios):
    assert not portfolio(user=team_lead, search="703023").exists()


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("andina", ["Andina Comercial S.R.L."]),
        ("COMERCIAL", ["Andina Comercial S.R.L."]),
        ("panadería", ["Beta Ltda."]),  # the trade name
        ("ltda", ["Beta Ltda."]),
        ("nadie", []),
    ],
)
def test_search_by_legal_or_trade_name(team_lead, two_portfolios, search, expected):
    assert [c.legal_name for c in portfolio(user=team_lead, search=search)] == expected


def test_an_executives_search_stays_in_her_portfolio(executive, two_portfolios):
    assert not portfolio(user=executive, search="Cóndor").exists()
    assert [c.nit for c in portfolio(user=executive, search="1020")] == ["1020703023"]


def test_filter_by_executive(team_lead, executive, other_executive, two_portfolios):
    mine, theirs = two_portfolios
    assert list(portfolio(user=team_lead, executive_id=executive.pk)) == mine
    assert list(portfolio(user=team_lead, executive_id=other_executive.pk)) == theirs
    assert list(portfolio(user=team_lead, executive_id=other_executive.pk, search="andina")) == []


def test_an_executive_cannot_peek_by_filtering_on_another(
    executive, other_executive, two_portfolios
):
    assert not portfolio(user=executive, executive_id=other_executive.pk).exists()


def test_product_count_leaves_out_withdrawn_products(team_lead, executive):
    busy = CompanyFactory(executive=executive, legal_name="A con productos")
    ProductFactory(company=busy)
    ProductFactory(company=busy, status=ProductStatus.SUSPENDED)
    ProductFactory(company=busy, status=ProductStatus.WITHDRAWN, withdrawn_on=date(2025, 1, 31))
    gone = CompanyFactory(executive=executive, legal_name="B sin activos")
    ProductFactory(company=gone, status=ProductStatus.WITHDRAWN, withdrawn_on=date(2025, 1, 31))
    CompanyFactory(executive=executive, legal_name="C sin productos")

    counts = {c.legal_name: c.product_count for c in portfolio(user=team_lead)}
    assert counts == {"A con productos": 2, "B sin activos": 0, "C sin productos": 0}
    # Searching does not change the counts.
    assert portfolio(user=team_lead, search="con prod").get().product_count == 2


def test_the_portfolio_list_costs_one_query(team_lead, two_portfolios, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = [
            (c.display_name, c.executive.username, c.product_count)
            for c in portfolio(user=team_lead)
        ]
    assert len(rows) == 3


def test_company_timeline_newest_first_and_limited(executive):
    company = CompanyFactory(executive=executive)
    start = datetime(2025, 6, 1, 12, tzinfo=UTC)
    made = [
        InteractionFactory(company=company, occurred_at=start + timedelta(days=n), summary=f"n{n}")
        for n in range(5)
    ]
    same_time = InteractionFactory(company=company, occurred_at=start + timedelta(days=4))
    InteractionFactory(occurred_at=start + timedelta(days=10))  # another company's

    timeline = list(company_timeline(company=company))
    assert timeline == [same_time, made[4], made[3], made[2], made[1], made[0]]
    assert list(company_timeline(company=company, limit=2)) == [same_time, made[4]]


def test_the_timeline_brings_who_recorded_it_without_more_queries(
    executive, django_assert_num_queries
):
    company = CompanyFactory(executive=executive)
    InteractionFactory.create_batch(3, company=company)
    with django_assert_num_queries(1):
        names = [(i.recorded_by.username, i.contact) for i in company_timeline(company=company)]
    assert len(names) == 3
