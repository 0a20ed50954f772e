"""Procedure J, loyalty and retention calls, walked branch by branch through
the services: the campaign and its worklist, a call without problem (contact
data updated on the spot), a call with a problem (procedure E runs as a call
activity inside the J case), the quality-control call on closed orders."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.campaigns.models import CallResult, Campaign, CampaignItem, CampaignKind
from posventa.campaigns.selectors import campaigns_for, progress
from posventa.campaigns.services import call_start, campaign_create
from posventa.cases.models import Alert, CaseStatus
from posventa.customers.models import Contact, Interaction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.selectors import task_variables
from posventa.factories import (
    ContactFactory,
    PlanFactory,
    ProductFactory,
    UserFactory,
    product_type,
)
from posventa.integrations.models import DiagnosisRecord
from posventa.inventory.models import ProductStatus
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import closed_damage_order, complete, pending, talk
from posventa.reviews.selectors import analyst_day
from posventa.workorders.models import (
    FieldUnit,
    Prioritisation,
    Priority,
    WorkOrderKind,
    WorkOrderState,
)
from posventa.workorders.services import workorder_close, workorder_create

LA_PAZ = ZoneInfo("America/La_Paz")
TODAY = date(2026, 11, 25)


@pytest.fixture
def procedures(db, media):
    """Only the models J needs (J and E, which it calls)."""
    yield deploy_only("j_loyalty_calls.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def working_hours():
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def internet(team, internet_plans):
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        service_number="INT-5512300",
        technology="fiber",
        installation_address="Av. Ballivián N° 520, of. 4",
        zone="Zona Central",
        neighbourhood="El Prado",
    )
    ContactFactory(
        company=product.company,
        name="Ing. Marco Rojas",
        phone="70755511",
        email="marco@example.com",
        is_primary=True,
    )
    return product


@pytest.fixture
def line(team):
    plan = PlanFactory(
        code="FIJA-1", name="Línea fija empresarial", product_type=product_type("fixed_line")
    )
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=plan,
        service_number="4251234",
        installation_address="Calle Jordán N° 230",
    )
    ContactFactory(
        company=product.company, name="Sra. Ana Mendoza", phone="4456789", is_primary=True
    )
    return product


def loyalty(team, name="Fidelización noviembre") -> Campaign:
    return campaign_create(
        name=name,
        kind=CampaignKind.LOYALTY,
        executive=team[Role.EXECUTIVE],
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=5),
        user=team[Role.EXECUTIVE],
    )


def item_of(campaign, product) -> CampaignItem:
    return campaign.items.get(product=product)


def call(case, team, result, summary, **extra):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("call_customer", Role.EXECUTIVE)
    complete(case, team[Role.EXECUTIVE], talk(summary, call_result=result, **extra))


def register_damage_in_e(case, team, service, cause, problem):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("receive_report", Role.EXECUTIVE)
    complete(
        case, team[Role.EXECUTIVE], {"damaged_service": service, "cause": cause, "problem": problem}
    )
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("register_damage", Role.EXECUTIVE)
    form = engine.task_form(task)
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "address": form.initial["address"],
            "zone": form.initial["zone"],
            "neighbourhood": form.initial["neighbourhood"],
            "reference_phone": form.initial.get("reference_phone") or "70700000",
            "address_checked": "on",
            **talk("Daño registrado en la llamada de fidelización."),
        },
    )


def prioritise(case, team, priority="high"):
    """J 5.1: the technical manager prioritises the damage the call found
    with the Operations Center, before the visit."""
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("prioritise", Role.TECHNICAL_MANAGER)
    called = timezone.localtime().replace(second=0, microsecond=0)
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {
            "operations_contact": "Lic. Jorge Arce",
            "called_at": called.strftime("%Y-%m-%dT%H:%M"),
            "priority": priority,
            "agreement": "Cuadrilla de la mañana.",
        },
    )


def coordinate(case, team):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("coordinate_visit", Role.TECHNICAL_MANAGER)
    when = timezone.localtime(timezone.now() + timedelta(hours=2))
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {
            "unit": FieldUnit.USM,
            "technician": "Téc. Luis Quiroga",
            "visit_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )


DIAGNOSIS = {
    "wifi_coverage": "weak",
    "devices": "9",
    "contracted_mbps": "30",
    "measured_mbps": "12.5",
    "amplifiers": "",
    "router": "misconfigured",
    "findings": "Canal wifi saturado.",
}


# ------------------------------------------------------------------ the campaign


def test_a_campaign_lists_the_products_of_the_executives_portfolio(team, internet, line):
    withdrawn = ProductFactory(
        company=internet.company, status=ProductStatus.WITHDRAWN, withdrawn_on=TODAY
    )
    other = ProductFactory()  # another executive's customer
    campaign = loyalty(team)
    listed = set(campaign.items.values_list("product", flat=True))
    assert listed == {internet.pk, line.pk}
    assert withdrawn.pk not in listed and other.pk not in listed
    assert set(campaign.items.values_list("result", flat=True)) == {CallResult.PENDING}
    assert progress(campaign) == {
        "total": 2,
        "called": 0,
        "pending": 2,
        "in_call": 0,
        "with_problem": 0,
        "percent": 0,
    }


def test_a_campaign_is_refused_when_bad_or_not_ones_own(team, internet):
    other_executive = UserFactory(role=Role.EXECUTIVE)
    with pytest.raises(ValidationError) as error:
        campaign_create(
            name=" ",
            kind="survey",
            executive=team[Role.EXECUTIVE],
            starts_on=TODAY,
            ends_on=TODAY - timedelta(days=1),
            user=team[Role.EXECUTIVE],
        )
    assert set(error.value.message_dict) == {"name", "kind", "ends_on"}
    with pytest.raises(PermissionDenied):
        campaign_create(
            name="Ajena",
            kind=CampaignKind.LOYALTY,
            executive=other_executive,
            starts_on=TODAY,
            ends_on=TODAY,
            user=team[Role.EXECUTIVE],
        )
    with pytest.raises(ValidationError, match="No hay a quién llamar"):
        campaign_create(
            name="Vacía",
            kind=CampaignKind.LOYALTY,
            executive=other_executive,
            starts_on=TODAY,
            ends_on=TODAY,
            user=team[Role.TEAM_LEAD],
        )
    assert not Campaign.objects.exists()


def test_a_campaign_calls_the_customers_chosen_of_the_portfolio(team, internet, line):
    campaign = campaign_create(
        name="Solo El Prado",
        kind=CampaignKind.LOYALTY,
        executive=team[Role.EXECUTIVE],
        starts_on=TODAY,
        ends_on=TODAY,
        companies=[internet.company],
        user=team[Role.EXECUTIVE],
    )
    assert [item.product for item in campaign.items.all()] == [internet]
    elsewhere = ProductFactory(company__legal_name="Ajena S.A.").company
    with pytest.raises(ValidationError) as error:
        campaign_create(
            name="Mezclada",
            kind=CampaignKind.LOYALTY,
            executive=team[Role.EXECUTIVE],
            starts_on=TODAY,
            ends_on=TODAY,
            companies=[line.company, elsewhere],
            user=team[Role.TEAM_LEAD],
        )
    assert "Ajena S.A." in error.value.message_dict["companies"][0]
    assert Campaign.objects.count() == 1


def test_the_database_keeps_the_worklist_rules(team, internet):
    campaign = loyalty(team)
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignItem.objects.create(campaign=campaign, company=internet.company, product=internet)
    item = item_of(campaign, internet)
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignItem.objects.filter(pk=item.pk).update(result=CallResult.NO_PROBLEM)
    # A closed order is quality-called once, whatever the campaign.
    order = closed_damage_order(team, internet)
    CampaignItem.objects.create(
        campaign=campaign, company=internet.company, product=internet, work_order=order
    )
    other = loyalty(team, "Otra")
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignItem.objects.create(
            campaign=other, company=internet.company, product=internet, work_order=order
        )


# ------------------------------------------------------------------ the calls


def test_a_call_without_problem_updates_the_contact_data_on_the_spot(procedures, team, internet):
    campaign = loyalty(team)
    case = call_start(item=item_of(campaign, internet), user=team[Role.EXECUTIVE])
    assert (case.procedure, case.product, case.company) == ("J", internet, internet.company)
    assert item_of(campaign, internet).result == CallResult.IN_CALL
    form = engine.task_form(pending(case))
    assert form.initial["contact_name"] == "Ing. Marco Rojas"
    assert "INT-5512300" in str(form.fields["call_result"].help_text)
    call(
        case,
        team,
        "no_problem",
        "Servicios funcionando; el cliente actualiza su correo y WhatsApp.",
        contact_name="Lic. Carla Vargas",
        contact_email="carla.vargas@example.com",
        contact_whatsapp="70799988",
        contact_phone="4-4259900",
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.attended_role == Role.EXECUTIVE and case.attended_at is not None
    [contact] = Contact.objects.filter(company=internet.company, is_primary=True)
    assert (contact.name, contact.email, contact.whatsapp, contact.phone) == (
        "Lic. Carla Vargas",
        "carla.vargas@example.com",
        "70799988",
        "4-4259900",
    )
    item = item_of(campaign, internet)
    assert (item.result, item.case) == (CallResult.NO_PROBLEM, case)
    assert item.called_at is not None
    assert Interaction.objects.filter(
        case=case, recorded_by=team[Role.EXECUTIVE], summary__contains="Servicios funcionando"
    ).exists()
    assert progress(campaign)["called"] == 1 and progress(campaign)["pending"] == 0


def test_a_call_without_problem_creates_the_contact_person_when_there_is_none(
    procedures, team, line
):
    Contact.objects.filter(company=line.company).delete()
    campaign = loyalty(team)
    case = call_start(item=item_of(campaign, line), user=team[Role.EXECUTIVE])
    call(case, team, "no_problem", "Todo bien.", contact_name="Sr. Pablo Soria")
    [contact] = line.company.contacts.all()
    assert (contact.name, contact.is_primary) == ("Sr. Pablo Soria", True)


def test_a_call_with_an_internet_problem_runs_procedure_e_inside_the_case_and_is_fixed_remotely(
    procedures, team, internet
):
    campaign = loyalty(team)
    case = call_start(item=item_of(campaign, internet), user=team[Role.EXECUTIVE])
    call(case, team, "problem", "El cliente dice que el internet está lento.")
    item = item_of(campaign, internet)
    assert item.result == CallResult.PROBLEM
    assert progress(campaign)["with_problem"] == 1
    # Contact data untouched on a problem call.
    assert Contact.objects.get(company=internet.company, is_primary=True).name == "Ing. Marco Rojas"
    # Steps 4–5: E runs inside the J case, on the product of the call.
    register_damage_in_e(
        case, team, "internet", "slow", "Lento desde ayer (llamada de fidelización)."
    )
    order = internet.work_orders.get()
    assert (order.case, order.kind, order.state) == (
        case,
        WorkOrderKind.DAMAGE,
        WorkOrderState.REGISTERED,
    )
    # Step 6: internet → the analyst diagnoses in Help Desk; 7: fixed remotely.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("remote_diagnosis", Role.TECHNICAL_ANALYST)
    complete(case, team[Role.TECHNICAL_ANALYST], {**DIAGNOSIS, "solved_remotely": "yes"})
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        talk("Se cambió el canal wifi con el cliente.", customer_conform="yes"),
        role=Role.TECHNICAL_ANALYST,
    )
    order.refresh_from_db()
    assert order.state == WorkOrderState.UNFOUNDED
    assert DiagnosisRecord.objects.get(work_order=order).solved_remotely is True
    # Step 8/11: interaction and the quality-control call close the case.
    complete(
        case, team[Role.EXECUTIVE], talk("Funciona.", conform="yes"), step="quality_call_remote"
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.work_orders.count() == 1  # the damage was typed once
    # Fixed remotely, nothing went to the field: nothing to prioritise.
    assert not Prioritisation.objects.exists()
    assert Interaction.objects.filter(case=case).count() >= 4
    # Step 10: the analyst's work on the J case is in her daily report.
    day = analyst_day(analyst=team[Role.TECHNICAL_ANALYST], day=timezone.localdate())
    assert case in day.cases
    assert [d.work_order for d in day.diagnoses] == [order]


def test_a_call_with_a_line_problem_goes_to_the_field_unit(procedures, team, line):
    campaign = loyalty(team)
    case = call_start(item=item_of(campaign, line), user=team[Role.EXECUTIVE])
    call(case, team, "problem", "La línea no tiene tono.")
    register_damage_in_e(case, team, "line", "no_dial_tone", "Sin tono.")
    # Line/TV: no analyst; the technical manager prioritises it with the
    # Operations Center (5.1) and sends it to the field (step 9).
    prioritise(case, team, priority="urgent")
    coordinate(case, team)
    order = line.work_orders.get()
    assert order.state == WorkOrderState.ASSIGNED and order.case == case
    assert order.priority == Priority.URGENT  # the priority agreed reaches the order
    [agreed] = order.prioritisations.all()
    assert (agreed.operations_contact, agreed.case) == ("Lic. Jorge Arce", case)
    # The closing of the order reaches E inside the J case.
    workorder_close(
        work_order=order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Par reparado.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    case.refresh_from_db()
    complete(case, team[Role.EXECUTIVE], talk("Ya tiene tono.", conform="yes"), step="quality_call")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert item_of(campaign, line).result == CallResult.PROBLEM


def test_an_internet_damage_the_analyst_cannot_fix_is_prioritised_before_the_visit(
    procedures, team, internet
):
    """J 5.1 and 6–9: the analyst diagnoses first (a remote fix closes the
    order as unfounded, nothing to prioritise); what goes to the field is
    prioritised by the technical manager with the Operations Center, then
    the visit is coordinated."""
    campaign = loyalty(team)
    case = call_start(item=item_of(campaign, internet), user=team[Role.EXECUTIVE])
    call(case, team, "problem", "No navega desde ayer.")
    register_damage_in_e(case, team, "internet", "no_service", "Sin servicio.")
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("remote_diagnosis", Role.TECHNICAL_ANALYST)
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {**DIAGNOSIS, "outages": "on", "solved_remotely": "no", "findings": "Corte en la zona."},
    )
    prioritise(case, team, priority="high")
    coordinate(case, team)
    order = internet.work_orders.get()
    assert (order.state, order.priority) == (WorkOrderState.ASSIGNED, Priority.HIGH)
    workorder_close(
        work_order=order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Se reparó el tramo.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    complete(case, team[Role.EXECUTIVE], talk("Navega.", conform="yes"), step="quality_call")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_a_damage_found_in_a_call_is_a_request_from_es_start_answered_at_its_registration(
    procedures, team, internet, line
):
    campaign = loyalty(team)
    # A call without problem is the team's own work: never a customer's request.
    quiet = call_start(item=item_of(campaign, line), user=team[Role.EXECUTIVE])
    call(quiet, team, "no_problem", "Todo bien.", contact_name="Sra. Ana Mendoza")
    assert (quiet.status, quiet.requested_at) == (CaseStatus.CLOSED, None)

    case = call_start(item=item_of(campaign, internet), user=team[Role.EXECUTIVE])
    assert case.requested_at is None
    before = timezone.now()
    call(case, team, "problem", "Lento.")
    # The call hands the damage to E: from E's start the case is a request,
    # not yet answered (the call's own mark is forgotten).
    assert before <= case.requested_at <= timezone.now()
    assert case.attended_at is None
    requested = case.requested_at
    register_damage_in_e(case, team, "internet", "slow", "Lento.")
    # E's registration step answers it, by the executive.
    assert case.requested_at == requested
    assert case.attended_at >= requested and case.attended_role == Role.EXECUTIVE


def test_the_damages_24_hours_run_from_the_call_that_found_it(procedures, team, internet):
    start = timezone.now()
    campaign = loyalty(team)
    with time_machine.travel(start, tick=False):
        case = call_start(item=item_of(campaign, internet), user=team[Role.EXECUTIVE])
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        call(case, team, "problem", "Lento.")  # called 20 hours after the list was opened
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        assert engine.timers_advance() == 0
    assert not Alert.objects.filter(case=case).exists()
    with time_machine.travel(start + timedelta(hours=44, minutes=1), tick=False):
        assert engine.timers_advance() == 1
    [alert] = Alert.objects.filter(case=case)
    assert "Recibe el reporte de daño" in alert.message
    with time_machine.travel(start + timedelta(hours=45), tick=True):
        register_damage_in_e(case, team, "internet", "slow", "Lento.")
        complete(case, team[Role.TECHNICAL_ANALYST], {**DIAGNOSIS, "solved_remotely": "yes"})
        complete(
            case,
            team[Role.TECHNICAL_ANALYST],
            talk("Se cambió el canal.", customer_conform="yes"),
        )
        complete(
            case, team[Role.EXECUTIVE], talk("Funciona.", conform="yes"), step="quality_call_remote"
        )


def test_bad_input_is_refused_and_nothing_changes(procedures, team, internet):
    campaign = loyalty(team)
    case = call_start(item=item_of(campaign, internet), user=team[Role.EXECUTIVE])
    task = pending(case)
    for data in (
        talk("Bien.", call_result="no_problem", contact_name=""),
        talk("Bien.", call_result="no_problem", contact_name="X", contact_email="no-es-correo"),
        talk("", call_result="no_problem", contact_name="X"),
        talk("Bien.", call_result="maybe"),
    ):
        with pytest.raises(engine.FormInvalid):
            engine.task_complete(task_id=task.task_id, user=team[Role.EXECUTIVE], data=data)
    assert pending(case).bpmn_id == "call_customer"
    assert item_of(campaign, internet).result == CallResult.IN_CALL
    assert Contact.objects.get(company=internet.company).name == "Ing. Marco Rojas"


def test_only_the_campaigns_executive_calls_and_only_once(procedures, team, internet):
    campaign = loyalty(team)
    item = item_of(campaign, internet)
    with pytest.raises(PermissionDenied):
        call_start(item=item, user=team[Role.TEAM_LEAD])
    case = call_start(item=item, user=team[Role.EXECUTIVE])
    with pytest.raises(ValidationError, match=case.number):
        call_start(item=item, user=team[Role.EXECUTIVE])
    later = campaign_create(
        name="Diciembre",
        kind=CampaignKind.LOYALTY,
        executive=team[Role.EXECUTIVE],
        starts_on=TODAY + timedelta(days=10),
        ends_on=TODAY + timedelta(days=12),
        user=team[Role.EXECUTIVE],
    )
    with pytest.raises(ValidationError, match="todavía no empezaron"):
        call_start(item=item_of(later, internet), user=team[Role.EXECUTIVE])


# ------------------------------------------------------------------ quality control


def test_a_quality_control_campaign_calls_the_orders_that_closed(procedures, team, internet, line):
    order = closed_damage_order(team, internet)
    workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=line.company,
        product=line,
        damaged_service="line",
        cause="no_dial_tone",
        description="Abierta",
        user=team[Role.EXECUTIVE],
    )  # still open: not called
    campaign = campaign_create(
        name="Control de calidad",
        kind=CampaignKind.QUALITY,
        executive=team[Role.EXECUTIVE],
        starts_on=TODAY,
        ends_on=TODAY,
        user=team[Role.EXECUTIVE],
    )
    [item] = campaign.items.all()
    assert (item.work_order, item.product) == (order, internet)
    # An order is called once: a second campaign finds nothing new.
    with pytest.raises(ValidationError, match="No hay a quién llamar"):
        campaign_create(
            name="Otra vez",
            kind=CampaignKind.QUALITY,
            executive=team[Role.EXECUTIVE],
            starts_on=TODAY,
            ends_on=TODAY,
            user=team[Role.EXECUTIVE],
        )
    case = call_start(item=item, user=team[Role.EXECUTIVE])
    assert order.number in case.subject
    # Step 11: the customer is satisfied; no contact person needed, contact kept.
    call(case, team, "no_problem", "Conforme con la reparación.")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert Contact.objects.get(company=internet.company).name == "Ing. Marco Rojas"
    assert CampaignItem.objects.get(pk=item.pk).result == CallResult.NO_PROBLEM


def test_a_quality_call_that_finds_the_service_still_failing_reiterates_through_e(
    procedures, team, line
):
    order = closed_damage_order(team, line, WorkOrderState.ATTENDED_WITHOUT_SOLUTION)
    campaign = campaign_create(
        name="Control de calidad",
        kind=CampaignKind.QUALITY,
        executive=team[Role.EXECUTIVE],
        starts_on=TODAY,
        ends_on=TODAY,
        user=team[Role.EXECUTIVE],
    )
    case = call_start(item=campaign.items.get(), user=team[Role.EXECUTIVE])
    call(case, team, "problem", "Sigue sin tono.")
    # E looks at the last damage: closed without solution → reiteration.
    task = pending(case)
    assert task.bpmn_id == "receive_report"
    complete(
        case,
        team[Role.EXECUTIVE],
        {"damaged_service": "line", "cause": "no_dial_tone", "problem": "Sigue sin tono."},
    )
    task = pending(case)
    assert task.bpmn_id == "register_reiteration"
    assert task_variables(task)["damages"]["work_order_id"] == order.number


# ------------------------------------------------------------------ progress and pages


def test_the_progress_is_visible_to_the_executive_and_the_team_lead(
    procedures, client, team, internet, line
):
    campaign = loyalty(team)
    case = call_start(item=item_of(campaign, internet), user=team[Role.EXECUTIVE])
    call(case, team, "problem", "Lento.")
    [row] = campaigns_for(team[Role.TEAM_LEAD])
    assert (row.total, row.called, row.pending, row.with_problem) == (2, 1, 1, 1)
    assert list(campaigns_for(UserFactory(role=Role.EXECUTIVE))) == []

    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    assert page.status_code == 200
    assert page.context["progress"]["with_problem"] == 1
    assert page.context["may_call"] is False
    assert client.get(reverse("campaigns:list")).status_code == 200
    analyst_client = client.__class__()
    analyst_client.force_login(team[Role.TECHNICAL_ANALYST])
    assert analyst_client.get(reverse("campaigns:list")).status_code == 403
    admin = UserFactory(role=Role.TEAM_LEAD, is_staff=True, is_superuser=True)
    analyst_client.force_login(admin)
    for name in ("admin:campaigns_campaign_change", "admin:campaigns_campaignitem_changelist"):
        args = [campaign.pk] if name.endswith("_change") else []
        assert analyst_client.get(reverse(name, args=args)).status_code == 200

    # Another executive's campaign is not found, as one that does not exist.
    client.force_login(UserFactory(role=Role.EXECUTIVE))
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 404

    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("campaigns:list"))
    assert reverse("campaigns:list") in [entry["url"] for entry in page.context["menu"]]
    response = client.post(reverse("campaigns:call", args=[item_of(campaign, line).pk]))
    line_case = item_of(campaign, line).case
    assert response.status_code == 302
    assert response.url == reverse("cases:task", args=[pending(line_case).task_id])
    # A second click on the same line is refused with a message, no 500.
    response = client.post(
        reverse("campaigns:call", args=[item_of(campaign, line).pk]), follow=True
    )
    assert response.status_code == 200
    assert line_case.number in response.content.decode()


def test_a_campaign_is_created_from_its_page(client, team, internet):
    client.force_login(team[Role.EXECUTIVE])
    response = client.post(
        reverse("campaigns:list"),
        {
            "name": "Fidelización",
            "kind": "loyalty",
            "executive": team[Role.EXECUTIVE].pk,
            "starts_on": "2026-11-25",
            "ends_on": "2026-11-24",
        },
    )
    assert response.status_code == 200 and not Campaign.objects.exists()
    response = client.post(
        reverse("campaigns:list"),
        {
            "name": "Fidelización",
            "kind": "loyalty",
            "executive": team[Role.EXECUTIVE].pk,
            "starts_on": "2026-11-25",
            "ends_on": "2026-11-30",
        },
    )
    campaign = Campaign.objects.get()
    assert response.url == reverse("campaigns:detail", args=[campaign.pk])
    assert campaign.items.count() == 1


def test_the_campaign_form_offers_the_portfolios_customers(client, team, internet, line):
    elsewhere = ProductFactory(company__legal_name="Ajena S.A.").company
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("campaigns:list")).content.decode()
    assert internet.company.display_name in page and "Ajena S.A." not in page
    response = client.post(
        reverse("campaigns:list"),
        {
            "name": "Solo líneas",
            "kind": "loyalty",
            "executive": team[Role.EXECUTIVE].pk,
            "starts_on": "2026-11-25",
            "ends_on": "2026-11-30",
            "companies": [line.company.pk],
        },
    )
    campaign = Campaign.objects.get()
    assert response.url == reverse("campaigns:detail", args=[campaign.pk])
    assert [item.product for item in campaign.items.all()] == [line]
    response = client.post(
        reverse("campaigns:list"),
        {
            "name": "Ajena",
            "kind": "loyalty",
            "executive": team[Role.EXECUTIVE].pk,
            "starts_on": "2026-11-25",
            "ends_on": "2026-11-30",
            "companies": [elsewhere.pk],
        },
    )
    assert response.status_code == 200 and Campaign.objects.count() == 1


def test_a_call_whose_case_is_cancelled_goes_back_to_the_campaigns_list(procedures, team, internet):
    from posventa.cases.services import case_cancel

    campaign = loyalty(team)
    item = item_of(campaign, internet)
    case = call_start(item=item, user=team[Role.EXECUTIVE])
    case_cancel(case=case, user=team[Role.TEAM_LEAD], reason="Llamada abierta por error.")
    item.refresh_from_db()
    assert (item.case, item.result) == (None, "pending")
    again = call_start(item=item, user=team[Role.EXECUTIVE])  # she can call again
    assert again != case
