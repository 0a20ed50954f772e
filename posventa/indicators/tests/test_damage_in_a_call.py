"""A damage the customer reports in the team's loyalty call (J runs
procedure E inside its case) is a customer's request from the moment the
call hands it over: counted in that month, its 24 hours — the indicator's,
the watch's and the steps' due times — from then, answered by E's
registration. Walked through the deployed models."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from posventa.accounts.roles import Role
from posventa.campaigns.models import CampaignKind
from posventa.campaigns.services import call_start, campaign_create
from posventa.cases.models import Alert
from posventa.cases.watch import attention_watch
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.factories import ContactFactory, ProductFactory
from posventa.indicators.definitions import Month
from posventa.indicators.selectors import cases_behind, month_figures, team_figures
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending, talk

LA_PAZ = ZoneInfo("America/La_Paz")
OCTOBER, NOVEMBER = Month(2026, 10), Month(2026, 11)
LATER = datetime(2026, 12, 5, 9, 0, tzinfo=LA_PAZ)
CALL_STARTS = datetime(2026, 10, 31, 23, 40, tzinfo=LA_PAZ)
HANDED_OVER = datetime(2026, 11, 1, 0, 5, tzinfo=LA_PAZ)


@pytest.fixture
def procedures(db, media):
    yield deploy_only("j_loyalty_calls.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


@pytest.fixture
def internet(team, internet_plans):
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        technology="fiber",
        installation_address="Av. Ballivián N° 520",
        zone="Zona Central",
        neighbourhood="El Prado",
    )
    ContactFactory(company=product.company, name="Ing. Marco Rojas", is_primary=True)
    return product


def at(moment):
    return time_machine.travel(moment, tick=False)


def start_call(team, product, day: date):
    campaign = campaign_create(
        name="Fidelización",
        kind=CampaignKind.LOYALTY,
        executive=team[Role.EXECUTIVE],
        starts_on=day,
        ends_on=day + timedelta(days=5),
        user=team[Role.EXECUTIVE],
    )
    return call_start(item=campaign.items.get(product=product), user=team[Role.EXECUTIVE])


def the_call(case, team, result: str):
    task = pending(case)
    assert task.bpmn_id == "call_customer"
    contact = {"contact_name": "Ing. Marco Rojas"} if result == "no_problem" else {}
    complete(
        case,
        team[Role.EXECUTIVE],
        talk("Llamada de fidelización.", call_result=result, **contact),
    )


def register_the_damage(case, team):
    task = pending(case)
    assert task.bpmn_id == "receive_report"
    complete(
        case,
        team[Role.EXECUTIVE],
        {"damaged_service": "internet", "cause": "slow", "problem": "Lento desde ayer."},
    )
    task = pending(case)
    assert task.bpmn_id == "register_damage"
    form = engine.task_form(task)
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "address": form.initial["address"],
            "zone": form.initial["zone"],
            "neighbourhood": form.initial["neighbourhood"],
            "reference_phone": "70700000",
            "address_checked": "on",
            **talk("Daño registrado en la llamada."),
        },
    )


def test_a_damage_in_a_loyalty_call_counts_from_its_registration_month_and_24_hours(
    procedures, team, internet
):
    lead = team[Role.TEAM_LEAD]
    with at(CALL_STARTS):
        case = start_call(team, internet, CALL_STARTS.date())
    assert case.requested_at is None  # the team's call: no request yet
    with at(HANDED_OVER):
        the_call(case, team, "problem")
    case.refresh_from_db()
    # E started: the customer's request is the damage, from now; the call's
    # own "attended" is forgotten until E's registration answers it.
    assert (case.requested_at, case.attended_at) == (HANDED_OVER, None)
    due = HANDED_OVER + timedelta(hours=24)
    assert pending(case).due_at == due  # the 24 hours from the request, not from the call

    # The watch: 18 h after the call began it says nothing; 18 h after the
    # request it warns.
    assert attention_watch(now=CALL_STARTS + timedelta(hours=18, minutes=10))["warned"] == 0
    assert attention_watch(now=HANDED_OVER + timedelta(hours=18))["warned"] == 1
    assert Alert.objects.filter(case=case, role=Role.TEAM_LEAD).exists()

    # Registered 23 h 50 min after the request (24 h 15 min after the call began).
    registered = HANDED_OVER + timedelta(hours=23, minutes=50)
    with at(registered):
        register_the_damage(case, team)
    case.refresh_from_db()
    assert (case.attended_at, case.attended_role) == (registered, Role.EXECUTIVE)
    assert attention_watch(now=due + timedelta(minutes=5)) == {"warned": 0, "late": 0}

    # November's request (the month of the damage), in time; not October's,
    # where the call began.
    assert month_figures(lead, OCTOBER, now=LATER).total == 0
    november = month_figures(lead, NOVEMBER, now=LATER)
    assert (november.total, november.timely, november.open) == (1, 1, 1)
    assert list(cases_behind(lead, NOVEMBER, indicator="timely", now=LATER)) == [case]


def test_a_loyalty_call_counts_in_the_teams_figures_and_only_its_damage_in_the_indicators(
    procedures, team, internet, internet_plans
):
    lead = team[Role.TEAM_LEAD]
    day = datetime(2026, 11, 3, 9, 0, tzinfo=LA_PAZ)
    line = ProductFactory(company=internet.company, plan=internet_plans[0], technology="fiber")
    with at(day):
        quiet = start_call(team, line, day.date())
        the_call(quiet, team, "no_problem")
    with at(day + timedelta(minutes=30)):
        damaged = start_call(team, internet, day.date())
        the_call(damaged, team, "problem")
    with at(day + timedelta(hours=2)):
        register_the_damage(damaged, team)
    figures = {t.name: t.count for t in team_figures(lead, NOVEMBER, now=LATER)}
    assert (figures["loyalty_calls"], figures["loyalty_damages"]) == (2, 1)
    result = month_figures(lead, NOVEMBER, now=LATER)
    assert (result.total, result.timely) == (1, 1)
    assert list(cases_behind(lead, NOVEMBER, now=LATER)) == [damaged]
    assert set(cases_behind(lead, NOVEMBER, indicator="loyalty_calls", now=LATER)) == {
        quiet,
        damaged,
    }
