"""Cancelling a case by hand: who may, what it needs, what it leaves behind
(nothing waiting), and how the customer and the people following what the
case set going are told. Through the service, the page and the API."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.cases.models import Alert, Case, CaseStatus, Outcome
from posventa.cases.services import CaseAlreadyClosed, case_cancel
from posventa.customers.models import Direction, Interaction
from posventa.engine import runtime
from posventa.engine.models import HumanTask, InstanceStatus, MessageSubscription
from posventa.factories import CompanyFactory
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import pending
from posventa.workorders.models import WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_create

REASON = "El cliente pidió el cambio por error; lo confirmó por teléfono."


@pytest.fixture
def procedures(db, media):
    """Only plan change (B) and support visits (L): what these tests open."""
    yield deploy_only("b_plan_change.bpmn", "l_support_visits.bpmn")
    runtime.specs.clear()


def assert_nothing_waits(case: Case) -> None:
    case.refresh_from_db()
    instance = case.instance
    assert instance.status == InstanceStatus.CANCELLED
    assert instance.next_timer_at is None
    assert not HumanTask.objects.filter(instance=instance).exists()
    assert not MessageSubscription.objects.filter(instance=instance).exists()


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.DIVISION_HEAD])
def test_the_team_lead_or_the_division_head_cancels_an_open_case_with_a_reason(
    plan_change_case, team, role
):
    case = plan_change_case
    case_cancel(case=case, user=team[role], reason=f"  {REASON}  ", channel="phone")

    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.CANCELLED)
    assert (case.cancelled_by, case.cancel_reason) == (team[role], REASON)
    assert case.closed_at is not None and case.attended_at is None
    assert_nothing_waits(case)
    told = Interaction.objects.get(case=case, direction=Direction.OUTBOUND)
    assert (told.channel, told.recorded_by) == ("phone", team[role])
    assert case.number in told.summary and REASON in told.summary
    # The step that was pending is closed in the log as cancelled; no end event is made up.
    events = dict(case.instance.events.values_list("bpmn_id", "cancelled"))
    assert events == {"start": False, "check_requirements": True}
    from posventa.cases.selectors import case_timeline

    [step] = [e for e in case_timeline(case) if e.title == "Verifica requisitos"]
    assert step.kind == "cancelled"


@pytest.mark.parametrize(
    "role",
    [Role.EXECUTIVE, Role.COMMERCIAL_MANAGER, Role.TECHNICAL_MANAGER, Role.TECHNICAL_ANALYST],
)
def test_only_the_team_lead_and_the_division_head_may_cancel(plan_change_case, team, role):
    with pytest.raises(PermissionDenied):
        case_cancel(case=plan_change_case, user=team[role], reason=REASON)
    assert pending(plan_change_case).bpmn_id == "check_requirements"
    assert plan_change_case.status == CaseStatus.OPEN


def test_the_customer_is_told_by_the_cases_own_channel_unless_another_is_chosen(
    plan_change_case, team
):
    case_cancel(case=plan_change_case, user=team[Role.TEAM_LEAD], reason=REASON)
    told = Interaction.objects.get(case=plan_change_case, direction=Direction.OUTBOUND)
    assert told.channel == plan_change_case.channel == "email"


@pytest.mark.parametrize(
    ("reason", "channel", "field"),
    [
        ("", "", "reason"),
        ("   ", "phone", "reason"),
        ("x" * 501, "phone", "reason"),
        (REASON, "fax", "channel"),
    ],
)
def test_a_reason_is_required_and_bounded_and_bad_input_changes_nothing(
    plan_change_case, team, reason, channel, field
):
    before = Interaction.objects.count()
    with pytest.raises(ValidationError) as refused:
        case_cancel(
            case=plan_change_case, user=team[Role.TEAM_LEAD], reason=reason, channel=channel
        )
    assert field in refused.value.message_dict
    plan_change_case.refresh_from_db()
    assert plan_change_case.status == CaseStatus.OPEN and plan_change_case.outcome == ""
    assert plan_change_case.instance.status == InstanceStatus.RUNNING
    assert pending(plan_change_case).bpmn_id == "check_requirements"
    assert Interaction.objects.count() == before


def test_a_closed_case_cannot_be_cancelled_and_says_so_in_spanish(plan_change_case, team):
    case_cancel(case=plan_change_case, user=team[Role.TEAM_LEAD], reason=REASON)
    with pytest.raises(CaseAlreadyClosed) as refused:
        case_cancel(case=plan_change_case, user=team[Role.DIVISION_HEAD], reason="Otra vez")
    assert plan_change_case.number in str(refused.value)
    assert "ya está cerrado" in str(refused.value) or "already closed" in str(refused.value)
    plan_change_case.refresh_from_db()
    assert plan_change_case.cancelled_by == team[Role.TEAM_LEAD]


def test_a_case_that_waited_for_the_customer_stops_waiting(plan_change_case, team):
    started = timezone.now() - timedelta(hours=3)
    Case.objects.filter(pk=plan_change_case.pk).update(
        status=CaseStatus.WAITING_CUSTOMER, waiting_since=started
    )
    case_cancel(case=plan_change_case, user=team[Role.TEAM_LEAD], reason=REASON)
    plan_change_case.refresh_from_db()
    assert plan_change_case.waiting_since is None
    assert plan_change_case.customer_wait >= timedelta(hours=3)


def test_a_scheduled_visit_is_freed_and_an_open_work_order_is_named_to_the_technical_manager(
    procedures, team
):
    from posventa.cases.services import case_open
    from posventa.procedures.tests.steps import complete
    from posventa.visits.models import VisitState

    case = case_open(
        company=CompanyFactory(executive=team[Role.EXECUTIVE]),
        procedure="L",
        channel="phone",
        subject="Visita: la red interna falla",
        user=team[Role.EXECUTIVE],
    )
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "diagnosis": "visit",
            "findings": "Pérdida de paquetes",
            "interaction_channel": "phone",
            "interaction_summary": "Se revisa por teléfono",
        },
    )
    starts = timezone.localtime(timezone.now() + timedelta(days=1)).replace(minute=0)
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "analyst": str(team[Role.TECHNICAL_ANALYST].pk),
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "person": "Ing. Rocío Mamani",
            "location": "Av. Blanco Galindo km 4",
        },
    )
    [visit] = case.visits.all()
    other = workorder_create(
        kind=WorkOrderKind.INSTALLATION,
        company=case.company,
        case=case,
        address="Calle Jordán 230",
        user=team[Role.TECHNICAL_MANAGER],
    )

    case_cancel(case=case, user=team[Role.DIVISION_HEAD], reason=REASON)

    visit.refresh_from_db()
    assert visit.state == VisitState.CANCELLED and REASON in visit.observations
    order = visit.work_order
    order.refresh_from_db()
    assert order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION and REASON in order.result
    other.refresh_from_db()
    assert other.state == WorkOrderState.REGISTERED  # a field unit's order is not faked closed
    assert REASON in other.changes.last().note
    [alert] = Alert.objects.filter(case=case, role=Role.TECHNICAL_MANAGER)
    assert other.number in alert.message
    assert_nothing_waits(case)


# --- the page -------------------------------------------------------------------------


def test_the_case_page_offers_cancelling_only_to_those_who_may_on_an_open_case(
    client, plan_change_case, team
):
    page = reverse("cases:detail", args=[plan_change_case.number])
    for role, shown in [
        (Role.TEAM_LEAD, True),
        (Role.DIVISION_HEAD, True),
        (Role.EXECUTIVE, False),
        (Role.COMMERCIAL_MANAGER, False),
    ]:
        client.force_login(team[role])
        html = client.get(page).content.decode()
        assert ('data-testid="case-cancel"' in html) is shown, role
    case_cancel(case=plan_change_case, user=team[Role.TEAM_LEAD], reason=REASON)
    client.force_login(team[Role.TEAM_LEAD])
    html = client.get(page).content.decode()
    assert 'data-testid="case-cancel"' not in html
    assert 'data-testid="case-cancelled"' in html and REASON in html


def test_the_cancel_page_asks_for_the_reason_then_cancels(client, plan_change_case, team):
    url = reverse("cases:cancel", args=[plan_change_case.number])
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="reason"' in html and 'name="channel"' in html
    assert "Verifica requisitos" in html  # what is pending now

    response = client.post(url, {"reason": REASON, "channel": "whatsapp"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[plan_change_case.number])
    plan_change_case.refresh_from_db()
    assert plan_change_case.outcome == Outcome.CANCELLED
    assert plan_change_case.interactions.filter(channel="whatsapp").exists()
    # Again: already closed, back to the case with a word, nothing changes.
    again = client.post(url, {"reason": "Otra", "channel": "phone"})
    assert again.status_code == 302
    plan_change_case.refresh_from_db()
    assert plan_change_case.cancel_reason == REASON


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"reason": "", "channel": "phone"},
        {"reason": "x" * 501, "channel": "phone"},
        {"reason": REASON, "channel": "fax"},
        {"reason": "a\x00b", "channel": "phone"},
    ],
)
def test_bad_input_on_the_page_shows_the_form_again_and_changes_nothing(
    client, plan_change_case, team, data
):
    client.force_login(team[Role.TEAM_LEAD])
    response = client.post(reverse("cases:cancel", args=[plan_change_case.number]), data)
    assert response.status_code in (200, 400)
    plan_change_case.refresh_from_db()
    assert plan_change_case.status == CaseStatus.OPEN
    assert pending(plan_change_case).bpmn_id == "check_requirements"


def test_the_cancel_page_is_forbidden_to_the_wrong_role(client, plan_change_case, team):
    url = reverse("cases:cancel", args=[plan_change_case.number])
    client.force_login(team[Role.EXECUTIVE])  # sees the case, may not cancel it
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": REASON, "channel": "phone"}).status_code == 403
    plan_change_case.refresh_from_db()
    assert plan_change_case.status == CaseStatus.OPEN


def test_the_cancel_form_needs_its_csrf_token(plan_change_case, team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team[Role.TEAM_LEAD])
    url = reverse("cases:cancel", args=[plan_change_case.number])
    assert client.post(url, {"reason": REASON, "channel": "phone"}).status_code == 403
    plan_change_case.refresh_from_db()
    assert plan_change_case.status == CaseStatus.OPEN


def test_an_unknown_case_is_a_404(client, team, db):
    client.force_login(team[Role.TEAM_LEAD])
    assert client.get(reverse("cases:cancel", args=["PV-2026-999999"])).status_code == 404


# --- the API --------------------------------------------------------------------------


@pytest.fixture
def call(client, team):
    keys = {role: token_create(user=user, name="test")[1] for role, user in team.items()}

    def do(role, path, json):
        return client.post(
            f"/api/v1{path}",
            data=json,
            content_type="application/json",
            headers={"Authorization": f"Bearer {keys[role]}"},
        )

    return do


def test_the_api_cancels_with_the_same_rules_and_error_shape(call, plan_change_case):
    path = f"/cases/{plan_change_case.number}/cancel"
    refused = call(Role.EXECUTIVE, path, {"reason": REASON})
    assert refused.status_code == 403 and "detail" in refused.json()
    missing = call(Role.TEAM_LEAD, path, {"reason": ""})
    assert missing.status_code == 422 and "reason" in missing.json()["errors"]
    assert (
        call(Role.TEAM_LEAD, "/cases/PV-2026-999999/cancel", {"reason": REASON}).status_code == 404
    )

    done = call(Role.TEAM_LEAD, path, {"reason": REASON, "channel": "phone"})
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["status"], body["outcome"], body["current_tasks"]) == ("closed", "cancelled", [])
    again = call(Role.DIVISION_HEAD, path, {"reason": REASON})
    assert again.status_code == 409 and plan_change_case.number in again.json()["detail"]
