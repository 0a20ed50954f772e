"""Only the customers' requests count (docs/indicators.md, "Which requests a
month counts"): the team's own cases (I, J, K) stay out of the indicators'
denominator and have figures of their own; a damage the customer reports in
the team's call counts from its registration; a customer's choice is an
answer; a visit's "not satisfied" quality call makes its case not effective."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
import time_machine

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus, Outcome
from posventa.cases.services import case_becomes_request
from posventa.collections.models import PaymentPromise
from posventa.engine.models import InstanceStatus, ProcessInstance, ProcessVersion, TaskEvent
from posventa.engine.registry import registry
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import (
    COLLECTION_CALL_STEP,
    LOYALTY_CALL_STEP,
    MIGRATED_END,
    MIGRATION_OFFER_STEP,
    REVIEW_STEP,
    TEAM_FIGURES,
    Month,
)
from posventa.indicators.selectors import cases_behind, month_figures, team_figures
from posventa.indicators.tests.test_definitions import (
    AFTER_NOVEMBER,
    LA_PAZ,
    NOVEMBER,
    make_case,
    received,
)
from posventa.procedures.apps import MODELS_DIR
from posventa.reviews.models import Opportunity, OpportunityOutcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    return UserFactory(role=Role.TEAM_LEAD)


@pytest.fixture
def company():
    return CompanyFactory()


def with_process(case, *, result=None, ended=None):
    """Give a hand-built case a process instance (its event log): `ended` maps
    a step's BPMN id to (when it was completed, the data its form sent)."""
    version, _ = ProcessVersion.objects.get_or_create(
        process_id=f"test_{case.procedure}",
        version=1,
        defaults={"name": "Prueba", "checksum": case.procedure, "sources": {}, "main_file": "x"},
    )
    closed = case.status == CaseStatus.CLOSED
    instance = ProcessInstance.objects.create(
        version=version,
        business_key=case.number,
        state="{}",
        status=InstanceStatus.COMPLETED if closed else InstanceStatus.RUNNING,
        completed_at=case.closed_at if closed else None,
        result=result or {},
    )
    for bpmn_id, (when, data) in (ended or {}).items():
        TaskEvent.objects.create(
            instance=instance,
            task_id=uuid.uuid4(),
            bpmn_id=bpmn_id,
            name=bpmn_id,
            kind="UserTask",
            started_at=when - timedelta(minutes=5),
            ended_at=when,
            data=data,
        )
    case.instance = instance
    case.save(update_fields=["instance"])
    return case


def promise(case, *, kept=None, checked_at=None):
    extra = {}
    if kept is not None and "kept_rule" in {f.name for f in PaymentPromise._meta.fields}:
        # The team's rule that judged it (collections), when the model records it.
        extra["kept_rule"] = PaymentPromise._meta.get_field("kept_rule").choices[0][0]
    made = PaymentPromise.objects.create(
        case=case,
        company=case.company,
        promised_on=date(2026, 11, 10),
        amount=Decimal("100.00"),
        owed_when_promised=Decimal("300.00"),
        kept=kept,
        checked_at=checked_at,
        **extra,
    )
    # Made on the call, an hour after the case was opened.
    PaymentPromise.objects.filter(pk=made.pk).update(
        created_at=case.received_at + timedelta(hours=1)
    )
    return made


def team_case(company, procedure, day, *, steps=(), month=11, **options):
    """A case the team started on that day (of November), its listed steps
    done an hour later."""
    result = options.pop("result", None)
    data = options.pop("data", {})
    at = received(day, month=month)
    case = make_case(company, received_at=at, procedure=procedure, channel="phone", **options)
    ended = {step: (at + timedelta(hours=1), data.get(step, {})) for step in steps}
    return with_process(case, result=result, ended=ended)


@pytest.fixture
def november(company):
    """A month of the team's own work and three customers' requests: a plan
    change (B), and the damages found in a loyalty call (J) and a review (K)."""
    cases = {"plan_change": make_case(company, received_at=received(2))}
    # I · Collections: one debtor promised and kept it, one did not promise
    # (the dunning letter), one is not called yet, one was cancelled.
    kept = team_case(company, "I", 3, steps=[COLLECTION_CALL_STEP])
    promise(kept, kept=True, checked_at=received(12))
    cases["kept"] = kept
    cases["letter"] = team_case(
        company, "I", 4, steps=[COLLECTION_CALL_STEP], outcome=Outcome.DUNNING_LETTER
    )
    broken = team_case(
        company, "I", 5, steps=[COLLECTION_CALL_STEP], attended_after=None, closed_after=None
    )
    promise(broken, kept=False, checked_at=received(15))
    cases["broken"] = broken
    cases["not_called"] = team_case(company, "I", 6, attended_after=None, closed_after=None)
    cancelled_by = UserFactory(role=Role.TEAM_LEAD)
    cases["cancelled"] = team_case(
        company,
        "I",
        7,
        steps=[COLLECTION_CALL_STEP],
        outcome=Outcome.CANCELLED,
        cancelled_by=cancelled_by,
        cancel_reason="Abierto por error.",
    )
    # J · Calls: one without problem, one whose damage made it a request.
    cases["no_problem"] = team_case(company, "J", 8, steps=[LOYALTY_CALL_STEP])
    cases["loyalty_damage"] = team_case(
        company,
        "J",
        9,
        steps=[LOYALTY_CALL_STEP],
        requested_at=received(9, hour=10),
    )
    # K · Reviews: a sale handed on, a sale declined, a migration done, a
    # migration declined, a damage found.
    for name, wants in (("to_sales", True), ("no_sale", False)):
        case = team_case(
            company, "K", 10, steps=[REVIEW_STEP], outcome="fulfilled" if wants else "declined"
        )
        Opportunity.objects.create(
            company=company,
            case=case,
            offered_type="pay_tv",
            outcome=OpportunityOutcome.TO_SALES if wants else OpportunityOutcome.NOT_INTERESTED,
            decided_at=received(11),
        )
        cases[name] = case
    cases["migrated"] = team_case(
        company,
        "K",
        12,
        steps=[REVIEW_STEP, MIGRATION_OFFER_STEP],
        data={MIGRATION_OFFER_STEP: {"offer_accepted": True}},
        result={"end_event": MIGRATED_END, "outcome": "fulfilled"},
    )
    cases["offer_declined"] = team_case(
        company,
        "K",
        13,
        steps=[REVIEW_STEP, MIGRATION_OFFER_STEP],
        data={MIGRATION_OFFER_STEP: {"offer_accepted": False}},
        outcome="declined",
        result={"end_event": "end_offer_declined", "outcome": "declined"},
    )
    cases["review_damage"] = team_case(
        company, "K", 14, steps=[REVIEW_STEP], requested_at=received(14, hour=11)
    )
    # A call of October: neither November's work nor its request.
    team_case(company, "J", 30, month=10, steps=[LOYALTY_CALL_STEP])
    return cases


def counts(user, month=NOVEMBER):
    return {t.name: t.count for t in team_figures(user, month, now=AFTER_NOVEMBER)}


def test_team_initiated_cases_are_absent_from_the_months_denominator(lead, november):
    result = month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER)
    # The plan change and the two damages found in the team's calls; no
    # collections case, no call or review without a damage.
    assert result.total == 3
    counted = cases_behind(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert {c.number for c in counted} == {
        november[name].number for name in ("plan_change", "loyalty_damage", "review_damage")
    }
    assert all(c.procedure != "I" for c in counted)


def test_team_initiated_cases_are_present_in_their_own_figures(lead, november):
    assert counts(lead) == {
        "collections_called": 3,  # the cancelled call is in no figure
        "collections_promised": 2,
        "collections_kept": 1,
        "collections_letters": 1,
        "loyalty_calls": 2,
        "loyalty_damages": 1,
        "reviews": 5,
        "sales_offers": 2,
        "sales_accepted": 1,
        "fiber_offers": 2,
        "fiber_accepted": 1,
        "migrations": 1,
        "review_damages": 1,
    }
    # Each figure leads to its cases.
    assert [c.number for c in cases_behind(lead, NOVEMBER, indicator="collections_kept")] == [
        november["kept"].number
    ]
    assert [c.number for c in cases_behind(lead, NOVEMBER, indicator="migrations")] == [
        november["migrated"].number
    ]
    letters = cases_behind(lead, NOVEMBER, indicator="collections_letters", now=AFTER_NOVEMBER)
    assert list(letters) == [november["letter"]]
    for name, figure in TEAM_FIGURES.items():
        behind = cases_behind(lead, NOVEMBER, indicator=name, now=AFTER_NOVEMBER)
        assert behind.count() == counts(lead)[name], name
        assert {c.procedure for c in behind} <= {figure.procedure}, name


def test_the_teams_figures_are_measured_at_the_months_end(lead, november):
    # On the 11th at 23:00 the migration offers were made (the 12th and 13th:
    # not yet) and no promise had been checked.
    early = {t.name: t.count for t in team_figures(lead, NOVEMBER, now=received(11, hour=23))}
    assert (early["fiber_offers"], early["collections_kept"], early["review_damages"]) == (0, 0, 0)
    assert early["sales_offers"] == 2  # decided on the 11th at 09:00


def test_an_executive_sees_her_own_portfolios_figures(november, company):
    assert counts(company.executive)["reviews"] == 5
    assert counts(UserFactory(role=Role.EXECUTIVE))["reviews"] == 0


def test_the_team_figures_read_steps_and_ends_the_models_have():
    """The figures read the event log by BPMN id: each id is in its model
    (the migration's end by its id, which stays while K's migration grows
    its field work) and the migration offer's form sends `offer_accepted`."""
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}

    def ids(name: str, tag: str) -> set[str]:
        root = ElementTree.parse(Path(MODELS_DIR) / "bpmn" / name).getroot()
        return {e.get("id") for e in root.iter(f"{{{ns['bpmn']}}}{tag}")}

    assert COLLECTION_CALL_STEP in ids("i_collections.bpmn", "userTask")
    assert LOYALTY_CALL_STEP in ids("j_loyalty_calls.bpmn", "userTask")
    assert {REVIEW_STEP, MIGRATION_OFFER_STEP} <= ids("k_preventive_review.bpmn", "userTask")
    assert MIGRATED_END in ids("k_preventive_review.bpmn", "endEvent")
    assert "offer_accepted" in registry.forms["k/migration_offer"].base_fields


# --- a damage reported in the team's call ----------------------------------------------


def test_a_damage_reported_in_a_call_counts_from_its_registration(lead, company):
    """A loyalty call received on 31 October at 23:40; the customer's damage
    handed to procedure E on 1 November at 00:05 (`case_becomes_request`),
    registered 23 h 50 min later: November's request, in time — though 24 h
    15 min after the call began."""
    call_at = datetime(2026, 10, 31, 23, 40, tzinfo=LA_PAZ)
    case = make_case(
        company,
        received_at=call_at,
        procedure="J",
        attended_after=timedelta(minutes=10),  # the call step marks it attended
        closed_after=None,
    )
    assert case.requested_at is None
    handed = datetime(2026, 11, 1, 0, 5, tzinfo=LA_PAZ)
    with time_machine.travel(handed, tick=False):
        case_becomes_request(case=case)
    case.refresh_from_db()
    # The call's "attended" is forgotten: the registration will answer it.
    assert (case.requested_at, case.attended_at) == (handed, None)
    october = month_figures(lead, Month(2026, 10), now=AFTER_NOVEMBER)
    assert october.total == 0
    assert month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER).total == 1
    case.attended_at = handed + timedelta(hours=23, minutes=50)
    case.save(update_fields=["attended_at"])
    result = month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert (result.total, result.timely) == (1, 1)
    case.attended_at = handed + timedelta(hours=24)
    case.save(update_fields=["attended_at"])
    assert month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER).timely == 0


def test_a_damage_registered_by_the_analyst_herself_is_answered_at_once(lead, company):
    """K step 8: the analyst registers the damage in her review; the request
    is answered as it is made, by her role."""
    case = make_case(
        company, received_at=received(5), procedure="K", attended_after=None, closed_after=None
    )
    at = received(6, hour=15)
    with time_machine.travel(at, tick=False):
        case_becomes_request(case=case, answered_by_role=Role.TECHNICAL_ANALYST)
    case.refresh_from_db()
    assert (case.requested_at, case.attended_at, case.attended_role) == (
        at,
        at,
        Role.TECHNICAL_ANALYST,
    )
    result = month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert (result.total, result.timely, result.open) == (1, 1, 1)
    assert counts(lead)["review_damages"] == 1


# --- answers the customer chose, and a visit's quality call --------------------------


def test_declined_is_counted_as_an_answer_given(lead, company):
    """H: the customer keeps the service rather than pay the penalty — the
    request was answered; the customer chose."""
    make_case(company, received_at=received(3), procedure="H", outcome=Outcome.DECLINED)
    make_case(
        company, received_at=received(4), procedure="H", outcome=Outcome.WITHDRAWN_BY_CUSTOMER
    )
    result = month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert (result.total, result.effective) == (2, 1)
    # Still held to the other rules: a "not conform" quality call.
    make_case(
        company,
        received_at=received(5),
        procedure="H",
        outcome=Outcome.DECLINED,
        quality_conform=False,
    )
    assert month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER).effective == 1


def test_a_visit_whose_quality_call_is_not_satisfied_is_not_effective(lead, company):
    """L: the quality call "no satisfecho" sets the case's quality verdict to
    not conform, whether the visit ended attended or the team lead closed it
    unresolved with a reason (outcome fulfilled, not conform): either way
    the case is not effective."""
    visited = make_case(company, received_at=received(3), procedure="L", quality_conform=False)
    with_process(visited, result={"end_event": "end_visited", "outcome": "fulfilled"})
    unresolved = make_case(company, received_at=received(4), procedure="L", quality_conform=False)
    with_process(unresolved, result={"end_event": "end_closed_unresolved", "outcome": "fulfilled"})
    make_case(company, received_at=received(5), procedure="L", quality_conform=True)
    result = month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert (result.total, result.effective) == (3, 1)
    not_effective = cases_behind(lead, NOVEMBER, indicator="not_effective", now=AFTER_NOVEMBER)
    assert set(not_effective) == {visited, unresolved}


# --- where the team's own figures show ---------------------------------------------------


def test_the_dashboard_shows_the_teams_own_work_and_each_figure_leads_to_its_cases(
    client, lead, november
):
    client.force_login(lead)
    page = client.get("/indicadores/", {"month": "2026-11"})
    assert page.status_code == 200
    assert page.context["figures"].total == 3
    blocks = {code: rows for code, _name, rows in page.context["team_work"]}
    assert list(blocks) == ["I", "J", "K"]
    figures = {
        figure.name: (figure.count, link) for rows in blocks.values() for figure, link in rows
    }
    assert figures["collections_letters"][0] == 1
    assert 'data-team-figure="migrations"' in page.content.decode()
    listed = client.get(figures["collections_letters"][1])
    assert listed.status_code == 200
    assert [c.number for c in listed.context["page"].object_list] == [november["letter"].number]


def test_the_api_gives_the_teams_own_work_apart_from_the_indicators(client, lead, november):
    from posventa.api.services import token_create

    headers = {"Authorization": f"Bearer {token_create(user=lead, name='t')[1]}"}
    body = client.get("/api/v1/indicators/2026-11", headers=headers).json()
    assert body["figures"]["total"] == 3
    team = {row["key"]: row for row in body["team"]}
    assert (team["loyalty_calls"]["procedure"], team["loyalty_calls"]["count"]) == ("J", 2)
    assert team["fiber_accepted"]["count"] == 1
    kept = client.get(
        "/api/v1/indicators/2026-11/cases", {"indicator": "collections_kept"}, headers=headers
    ).json()
    assert [(row["number"], row["requested_at"]) for row in kept] == [
        (november["kept"].number, None)
    ]
    requests = client.get("/api/v1/indicators/2026-11/cases", headers=headers).json()
    damage = next(row for row in requests if row["number"] == november["loyalty_damage"].number)
    assert damage["requested_at"] != damage["received_at"]
