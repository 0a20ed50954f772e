"""Where time goes: waiting and working per step, and the step that held a
request when its 24 hours passed — walked on a plan change (B) under a clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from posventa.accounts.roles import Role
from posventa.engine import services as engine
from posventa.indicators.time_spent import step_times
from posventa.procedures.tests.test_b_plan_change import (
    ALL_DOCUMENTS,
    complete,
    open_b_case,
    pending,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("America/La_Paz"))
PERIOD = {
    "start": datetime(2026, 11, 1, tzinfo=T0.tzinfo),
    "end": datetime(2026, 12, 1, tzinfo=T0.tzinfo),
}


@pytest.fixture
def late_plan_change(procedures, team, customer_product, internet_plans):
    with time_machine.travel(T0, tick=False) as clock:
        case = open_b_case(team, customer_product)
        clock.shift(timedelta(hours=2))
        engine.task_taken(task=pending(case))  # the executive opens it
        clock.shift(timedelta(hours=1))
        complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk, **ALL_DOCUMENTS})
        clock.shift(timedelta(hours=27))  # nobody opens the commercial manager's step for a day
        complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[1].pk})
        clock.shift(timedelta(hours=1))
        engine.task_claim(task_id=pending(case).task_id, user=team[Role.EXECUTIVE])
        clock.shift(timedelta(minutes=30))
        complete(
            case,
            team[Role.EXECUTIVE],
            {"conform": "yes", "interaction_channel": "phone", "interaction_summary": "Conforme."},
        )
    return case


def test_waiting_and_working_per_step_and_where_the_24_hours_broke(late_plan_change, team):
    steps = step_times(team[Role.TEAM_LEAD], "B", **PERIOD)
    by_id = {step.bpmn_id: step for step in steps}
    check = by_id["check_requirements"]
    assert (check.waiting_median, check.working_median) == (timedelta(hours=2), timedelta(hours=1))
    assert check.role == Role.EXECUTIVE and check.breaks == 0
    enter = by_id["enter_plan_change"]
    # Completed without being opened first: all of it counts as waiting.
    assert (enter.waiting_median, enter.working_median) == (timedelta(hours=27), timedelta(0))
    assert enter.breaks == 1
    assert enter.role == Role.COMMERCIAL_MANAGER and enter.heat == 4
    quality = by_id["quality_call"]
    assert (quality.waiting_median, quality.working_median) == (
        timedelta(hours=1),
        timedelta(minutes=30),
    )
    assert steps[0].bpmn_id == "enter_plan_change"  # the 24-hour breaker first

    only_executive = step_times(team[Role.TEAM_LEAD], "B", **PERIOD, role=Role.EXECUTIVE)
    assert {s.bpmn_id for s in only_executive} == {"check_requirements", "quality_call"}
    assert step_times(team[Role.TEAM_LEAD], "A", **PERIOD) == []


def test_the_page_shows_the_table_and_the_heat(client, late_plan_change, team):
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(
        "/indicadores/tiempos/",
        {"procedure": "B", "received_from": "2026-11-01", "received_to": "2026-11-30"},
    )
    assert page.status_code == 200
    diagram = page.context["diagram"]
    assert diagram["heat"]["enter_plan_change"] == 4
    assert diagram["labels"]["enter_plan_change"].startswith("27,0 h")
    assert "<bpmn:definitions" in diagram["xml"] or "definitions" in diagram["xml"]
    assert "27,0 h" in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"procedure": "Z"},
        {"received_from": "ayer"},
        {"received_from": "2026-11-30", "received_to": "2026-11-01"},
        {"role": "boss"},
    ],
)
def test_odd_choices_fall_back_to_the_defaults_with_a_message(client, team, query):
    client.force_login(team[Role.DIVISION_HEAD])
    page = client.get("/indicadores/tiempos/", query)
    assert page.status_code == 200
    assert page.context["form"].errors


def test_only_the_overseers_see_it(client, team):
    client.force_login(team[Role.EXECUTIVE])
    assert client.get("/indicadores/tiempos/").status_code == 403
