"""The inbox's warnings in a browser: grouped by case, cleared with one
click ("Marcar todas como leídas"), on a desktop and a phone. No serious axe
finding, no CSP violation (the fixtures)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import Alert, Case
from posventa.factories import CompanyFactory
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def warnings(team):
    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Minera Andina S.A.")
    cases = [
        Case.objects.create(
            number=f"PV-2026-{n:06d}",
            company=company,
            procedure="B",
            channel="email",
            received_at=timezone.now(),
            subject="Cambio de plan",
        )
        for n in (1, 2)
    ]
    now = timezone.now()
    for n in range(11):  # the team lead's eleven warnings, on two cases
        alert = Alert.objects.create(
            case=cases[n % 2], role=Role.TEAM_LEAD, message=f"Paso vencido número {n}"
        )
        Alert.objects.filter(pk=alert.pk).update(created_at=now - timedelta(minutes=60 - n))
    return cases


@pytest.mark.parametrize("device", ["page", "phone"])
def test_the_team_lead_clears_her_eleven_warnings_at_once(request, device, warnings):
    page = request.getfixturevalue(device)
    log_in(page, "team_lead")
    page.goto("/bandeja/")
    groups = page.locator("[data-alert-group]")
    assert groups.count() == 2
    # The case of the latest warning first, with its count.
    assert warnings[0].number in groups.nth(0).inner_text()
    assert "6 alertas" in groups.nth(0).inner_text()
    assert "5 alertas" in groups.nth(1).inner_text()
    assert serious_violations(page) == []
    if device == "phone":
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "no sideways scroll on a phone"

    page.get_by_role("button", name="Marcar todas como leídas").click()
    page.wait_for_load_state()
    assert "11 alertas marcadas como leídas." in page.locator("main").inner_text()
    assert page.locator("[data-alert-group]").count() == 0
    assert not Alert.objects.filter(read_at__isnull=True).exists()
    assert serious_violations(page) == []
