"""Procedure J in a real browser: the executive plans a call campaign over her
portfolio and works through its worklist — one call without problem updates
the customer's contact on the spot, one call with a problem starts procedure
E inside the J case, where she registers the damage; the team lead follows
the campaign's progress."""

import pytest

from posventa.accounts.roles import Role
from posventa.campaigns.models import CallResult, Campaign
from posventa.cases.models import CaseStatus
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.customers.models import Contact
from posventa.engine import runtime
from posventa.factories import ContactFactory, PlanFactory, ProductFactory, product_type
from posventa.procedures.tests.fixtures import deploy_only
from posventa.web.tests.browser import log_in, other_person, serious_violations
from posventa.workorders.models import WorkOrderKind, WorkOrderState

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "procedures"),
]


@pytest.fixture
def procedures(db, media):
    """J and E, the process J calls."""
    yield deploy_only("j_loyalty_calls.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


def test_an_executive_works_through_a_call_campaign(page, live_server, team, internet_plans):
    executive = team[Role.EXECUTIVE]
    internet = ProductFactory(
        company__executive=executive,
        company__legal_name="Importadora Tunari S.R.L.",
        plan=internet_plans[1],
        service_number="INT-5512300",
        technology="fiber",
        installation_address="Av. Ballivián N° 520, of. 4",
        zone="Zona Central",
        neighbourhood="El Prado",
    )
    ContactFactory(
        company=internet.company, name="Ing. Marco Rojas", phone="70755511", is_primary=True
    )
    line = ProductFactory(
        company__executive=executive,
        company__legal_name="Farmacias Cochabamba S.A.",
        plan=PlanFactory(
            code="FIJA-1", name="Línea fija empresarial", product_type=product_type("fixed_line")
        ),
        service_number="4251234",
        installation_address="Calle Jordán N° 230",
    )
    ContactFactory(company=line.company, name="Sra. Ana Mendoza", phone="4456789", is_primary=True)

    # 1. The executive plans the campaign over her portfolio.
    log_in(page, executive.username)
    page.goto("/campanas/")
    page.fill("#id_name", "Fidelización de noviembre")
    page.select_option("#id_kind", "loyalty")
    submit(page)
    page.wait_for_url("**/campanas/*/")
    campaign = Campaign.objects.get()
    assert page.locator("#worklist li[data-item]").count() == 2
    assert serious_violations(page) == []

    # 2→3. First call: no problem; the new e-mail and WhatsApp are saved on the spot.
    page.locator("li[data-service='4251234'] button[type=submit]").click()
    page.wait_for_url("**/tareas/**")
    assert page.input_value("#id_contact_name") == "Sra. Ana Mendoza"
    page.check("input[name=call_result][value=no_problem]")
    page.fill("#id_contact_email", "ana.mendoza@farmacorp.example")
    page.fill("#id_contact_whatsapp", "70744411")
    page.fill("#id_interaction_summary", "Servicios sin problemas; actualiza su correo.")
    assert serious_violations(page) == []
    submit(page)
    page.wait_for_url("**/bandeja/")
    contact = Contact.objects.get(company=line.company)
    assert (contact.email, contact.whatsapp) == ("ana.mendoza@farmacorp.example", "70744411")
    first = campaign.items.get(product=line)
    assert first.result == CallResult.NO_PROBLEM
    assert first.case.status == CaseStatus.CLOSED

    # 2→4. Second call: the internet is down; the damage is registered with E in the same case.
    page.goto(f"/campanas/{campaign.pk}/")
    assert page.locator("li[data-service='4251234']").get_attribute("data-result") == "no_problem"
    page.locator("li[data-service='INT-5512300'] button[type=submit]").click()
    page.wait_for_url("**/tareas/**")
    page.check("input[name=call_result][value=problem]")
    page.fill("#id_interaction_summary", "El cliente dice que no navega desde ayer.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    open_pending(page, "Recibe el reporte de daño")
    assert page.locator("input[name=damaged_service][value=internet]").is_checked()
    page.select_option("#id_cause", "no_service")
    page.fill("#id_problem", "Sin navegación desde ayer (llamada de fidelización).")
    submit(page)
    page.wait_for_url("**/bandeja/")
    open_pending(page, "Registra el daño")
    assert page.input_value("#id_address") == "Av. Ballivián N° 520, of. 4"
    page.check("#id_address_checked")
    submit(page)
    page.wait_for_url("**/bandeja/")
    second = campaign.items.get(product=internet)
    order = internet.work_orders.get()
    assert (order.kind, order.state, order.case) == (
        WorkOrderKind.DAMAGE,
        WorkOrderState.REGISTERED,
        second.case,
    )
    assert second.result == CallResult.PROBLEM

    # The team lead sees the progress: 2 called, none pending, 1 with a problem.
    lead = other_person(page, live_server, team[Role.TEAM_LEAD].username)
    lead.goto("/campanas/")
    row = lead.locator(f"tr[data-campaign='{campaign.pk}']")
    assert row.locator("[data-count=called]").inner_text().strip() == "2 / 2"
    assert row.locator("[data-count=pending]").inner_text().strip() == "0"
    assert row.locator("[data-count=with_problem]").inner_text().strip() == "1"
    assert serious_violations(lead) == []
    lead.context.close()
    # The damage made the call a customer's request, answered by its registration.
    call_case = second.case
    call_case.refresh_from_db()
    assert call_case.requested_at is not None and call_case.attended_at >= call_case.requested_at

    # 6, 9. The analyst diagnoses it in Help Desk: it goes to the field.
    analyst = other_person(page, live_server, team[Role.TECHNICAL_ANALYST].username)
    open_pending(analyst, "Diagnostica el daño en forma remota")
    analyst.check("#id_outages")
    analyst.fill("#id_devices", "6")
    analyst.fill("#id_measured_mbps", "0")
    analyst.fill("#id_findings", "Corte de fibra en el sector.")
    analyst.check("input[name=solved_remotely][value=no]")
    submit(analyst)
    analyst.wait_for_url("**/bandeja/")
    analyst.context.close()

    # 5.1. The technical manager prioritises it with the Operations Center.
    manager = other_person(page, live_server, team[Role.TECHNICAL_MANAGER].username)
    open_pending(manager, "Prioriza con el Centro de Operaciones")
    assert order.number in manager.locator("main form").inner_text()
    assert serious_violations(manager) == []
    manager.fill("#id_operations_contact", "Lic. Jorge Arce")
    manager.check("input[name=priority][value=urgent]")
    manager.fill("#id_agreement", "Cuadrilla de fibra esta tarde.")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    order.refresh_from_db()
    assert order.priority == "urgent"
    open_pending(manager, "Coordina la visita técnica en el día")
    manager.context.close()
