"""Where time goes: waiting and working per step, and the step that held a
request when its 24 hours passed — walked on a plan change (B) under a clock."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from posventa.accounts.roles import Role
from posventa.engine import services as engine
from posventa.indicators.forms import TimeSpentForm
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


def test_the_steps_after_the_24_hour_clock_stopped_are_marked_and_left_out_of_the_heat(
    late_plan_change, team
):
    steps = step_times(team[Role.TEAM_LEAD], "B", **PERIOD)
    by_id = {step.bpmn_id: step for step in steps}
    # The quality call comes once the plan change was entered (the answer).
    quality = by_id["quality_call"]
    assert quality.outside_clock and quality.after_clock == quality.count == 1
    assert quality.heat == 0
    assert not by_id["enter_plan_change"].outside_clock
    assert not by_id["check_requirements"].outside_clock
    assert steps[-1].bpmn_id == "quality_call"  # listed after the steps on the clock


def test_the_page_marks_the_steps_after_the_clock(client, late_plan_change, team):
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(
        "/indicadores/tiempos/",
        {"procedure": "B", "received_from": "2026-11-01", "received_to": "2026-11-30"},
    )
    diagram = page.context["diagram"]
    assert diagram["outside"] == ["quality_call"]
    assert diagram["labels"]["quality_call"].endswith("después de las 24 h")
    assert 'data-step="quality_call" data-outside-clock' in page.content.decode()


def test_it_opens_on_the_last_full_month_with_iso_dates(client, team):
    client.force_login(team[Role.TEAM_LEAD])
    with time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=T0.tzinfo), tick=False):
        page = client.get("/indicadores/tiempos/")
    assert not page.context["form"].errors
    period = page.context["period"]
    assert (period["start"], period["end"]) == (PERIOD["start"], PERIOD["end"])
    html = page.content.decode()
    assert 'type="date" name="received_from" value="2026-11-01"' in html
    assert 'type="date" name="received_to" value="2026-11-30"' in html
    assert ">hasta</label>" in html and "desde el 01/11/2026 hasta el 30/11/2026" in html


@pytest.mark.parametrize(
    ("sent", "read"),
    [("2026-09-05", (2026, 9, 5)), ("05/09/2026", (2026, 9, 5))],
)
def test_the_dates_read_iso_and_day_month_year(sent, read):
    form = TimeSpentForm({"procedure": "B", "received_from": sent, "received_to": "2026-09-30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["received_from"] == date(*read)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"received_from": "2026-13-01"}, "Indique la fecha como AAAA-MM-DD"),
        ({"received_from": "ayer"}, "Indique la fecha como AAAA-MM-DD"),
        ({"received_from": "1899-01-01"}, "Indique la fecha como AAAA-MM-DD"),
        ({"received_from": "2026-01-01" + "9" * 500}, "Indique la fecha como AAAA-MM-DD"),
        ({"received_from": "2024-01-01", "received_to": "2026-01-01"}, "como mucho 366 días"),
        ({"received_from": "2026-11-30", "received_to": "2026-11-01"}, "termina antes"),
    ],
)
def test_a_bad_date_answers_in_spanish_and_shows_the_last_full_month(client, team, query, message):
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get("/indicadores/tiempos/", {"procedure": "B", **query})
    assert page.status_code == 200
    assert message in page.content.decode()
    assert "Se muestra el último mes completo." in page.content.decode()
