"""The portfolio and calendar pages of procedures I–L on a phone: each reads
without sideways scrolling, its main action in view, with no serious
accessibility finding."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.campaigns.models import CampaignKind
from posventa.campaigns.services import campaign_create
from posventa.factories import ContactFactory, InvoiceFactory, ProductFactory
from posventa.integrations.models import Coverage
from posventa.reviews.services import worklist_refresh
from posventa.visits.services import visit_schedule
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_debtors_campaign_review_and_calendar_read_on_a_phone(phone, team, internet_plans):
    today = timezone.localdate()
    Coverage.objects.create(
        zone="Zona Norte", neighbourhood="Queru Queru", technology="fiber", spare_ports=8
    )
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        company__legal_name="Distribuidora Farmacéutica Valle Sano S.R.L.",
        plan=internet_plans[1],
        service_number="INT-4400100",
        technology="copper",
        zone="Zona Norte",
        neighbourhood="Queru Queru",
    )
    company = product.company
    ContactFactory(company=company, is_primary=True, phone="4-4440957")
    period = (today.replace(day=1) - timedelta(days=40)).replace(day=1)
    InvoiceFactory(product=product, period=period, due_date=period + timedelta(days=19))
    campaign = campaign_create(
        name="Fidelización",
        kind=CampaignKind.LOYALTY,
        executive=team[Role.EXECUTIVE],
        starts_on=today,
        ends_on=today + timedelta(days=5),
        user=team[Role.EXECUTIVE],
    )
    worklist_refresh()
    day = today + timedelta(days=7)
    visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=timezone.make_aware(datetime.combine(day, time(9))),
        ends_at=timezone.make_aware(datetime.combine(day, time(11))),
        person="Ing. Rocío Mamani",
        location="Av. Blanco Galindo km 4, edificio Los Andes, piso 3",
        user=team[Role.TEAM_LEAD],
    )

    log_in(phone, team[Role.EXECUTIVE].username)
    phone.goto("/cobranza/")
    debtor = phone.locator(f"[data-debtor='{company.pk}']")
    assert debtor.get_by_text("INT-4400100").is_visible()
    assert debtor.get_by_role("button", name="Llamar").is_visible()
    assert fits(phone) and serious_violations(phone) == []

    phone.goto(f"/campanas/{campaign.pk}/")
    call = phone.locator("li[data-service='INT-4400100']")
    assert call.get_by_role("link", name="4-4440957").is_visible()  # tap to call
    assert call.get_by_role("button", name="Llamar").is_visible()
    assert fits(phone) and serious_violations(phone) == []

    phone.context.clear_cookies()
    log_in(phone, team[Role.TEAM_LEAD].username)
    phone.goto("/revision-preventiva/")
    item = phone.locator("li[data-kind=migration][data-service='INT-4400100']")
    assert item.get_by_text("Cobre").is_visible()
    assert fits(phone) and serious_violations(phone) == []

    phone.goto(f"/visitas/?day={day:%Y-%m-%d}")
    assert phone.get_by_role("button", name="Mover visita").is_visible()
    assert fits(phone) and serious_violations(phone) == []
