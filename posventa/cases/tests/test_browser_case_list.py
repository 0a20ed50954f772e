"""The case list in a browser: the team lead filters and sorts on a desktop
and downloads what she sees; an executive reads her cases as cards on a
390 px phone. No serious axe finding, no CSP violation (the fixtures)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus, Outcome
from posventa.cases.tests.listing import make_case
from posventa.factories import CompanyFactory, UserFactory
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def listed(team):
    now = timezone.now()
    other = UserFactory(username="olga", role=Role.EXECUTIVE, first_name="Olga", last_name="Rojas")
    clinic = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Clínica Cala Cala")
    hotel = CompanyFactory(executive=other, legal_name="Hotel Muyurina")
    make_case(
        "PV-2026-000001",
        clinic,
        procedure="B",
        received_at=now - timedelta(hours=2),
        steps=[(Role.EXECUTIVE, None)],
    )
    make_case(
        "PV-2026-000002",
        clinic,
        procedure="E",
        channel="phone",
        received_at=now - timedelta(hours=30),
        steps=[(Role.TECHNICAL_MANAGER, team[Role.TECHNICAL_MANAGER])],
    )
    make_case(
        "PV-2026-000003",
        hotel,
        procedure="E",
        received_at=now - timedelta(hours=20),
        steps=[(Role.TECHNICAL_MANAGER, None)],
    )
    make_case(
        "PV-2026-000004",
        hotel,
        procedure="A",
        received_at=now - timedelta(days=2),
        attended_at=now - timedelta(days=2) + timedelta(hours=1),
        status=CaseStatus.CLOSED,
        outcome=Outcome.FULFILLED,
    )
    return other


def shown(page) -> list[str]:
    return page.locator("#case-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.case)"
    )


def test_the_team_lead_filters_sorts_and_downloads_the_cases(page, listed):
    log_in(page, "team_lead")
    page.goto("/casos/")
    assert shown(page) == ["PV-2026-000001", "PV-2026-000003", "PV-2026-000002", "PV-2026-000004"]
    assert serious_violations(page) == []

    page.get_by_label("Procedimiento").select_option("E")
    page.get_by_label("Espera a").select_option(Role.TECHNICAL_MANAGER.value)
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url("**/casos/?*procedure=E*")
    assert shown(page) == ["PV-2026-000003", "PV-2026-000002"]
    assert "2 casos" in page.locator("#case-count").inner_text()

    # Sorting by number keeps the filters; the header says which way.
    page.locator("#case-table thead a[data-sort=number]").click()
    page.wait_for_url("**sort=number*")
    assert shown(page) == ["PV-2026-000002", "PV-2026-000003"]
    assert page.locator("#case-table thead th[aria-sort=ascending]").count() == 1

    # The 24 hours: only the late one.
    page.get_by_label("24 horas").select_option("late")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url("**clock=late*")
    assert shown(page) == ["PV-2026-000002"]
    assert "de retraso" in page.locator("#case-table").inner_text()  # the badge

    # The Excel link exports what is shown.
    link = page.get_by_role("link", name="Descargar estos casos (Excel)")
    href = link.get_attribute("href")
    assert href.startswith("/casos.xlsx?")
    for part in ("procedure=E", "waiting=technical_manager", "clock=late", "sort=number"):
        assert part in href
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("casos-")
    assert serious_violations(page) == []


def test_a_bad_filter_is_named_not_applied(page, listed):
    log_in(page, "team_lead")
    page.goto("/casos/?status=perdido&procedure=E")
    assert "no se aplicaron" in page.locator("#ignored-filters").inner_text()
    assert shown(page) == ["PV-2026-000003", "PV-2026-000002"]


def test_an_executive_reads_her_cases_as_cards_on_a_phone(phone, listed, team):
    page = phone
    log_in(page, "executive")
    page.goto("/casos/")
    cards = page.locator("ul.list-group li[data-case]")
    assert cards.evaluate_all("items => items.map(i => i.dataset.case)") == [
        "PV-2026-000001",
        "PV-2026-000002",
    ]
    assert not page.locator("#case-table").is_visible()
    # She has no executive filter: her portfolio is all she works.
    assert page.locator("#filter-executive").count() == 0
    page.get_by_label("Canal").select_option("phone")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url("**channel=phone*")
    assert cards.count() == 1
    # Whom it waits for: the technical manager who took its step.
    assert str(team[Role.TECHNICAL_MANAGER]) in cards.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
