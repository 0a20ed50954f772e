"""The orphan check: a case nothing moves any more — its process waits for no
step, timer or message, or the case and its process disagree on whether it
ended — is found, listed on the team lead's watch page and warned about by
the background job, once a day while it lasts."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.jobs import watch_orphans
from posventa.cases.models import Alert, Case, CaseStatus
from posventa.cases.selectors import OrphanKind, orphans
from posventa.cases.services import case_cancel
from posventa.engine import runtime
from posventa.engine.models import HumanTask, InstanceStatus, ProcessInstance
from posventa.factories import CompanyFactory
from posventa.procedures.tests.fixtures import deploy_only


@pytest.fixture
def procedures(db, media):
    yield deploy_only("b_plan_change.bpmn")
    runtime.specs.clear()


def kinds() -> dict[str, str]:
    return {orphan.business_key: orphan.kind for orphan in orphans()}


def orphan(case) -> None:
    """Deliberately orphan the case: its process keeps running, but nothing of
    it waits any more — no inbox row, no timer (the step's 24-hour warning),
    no message."""
    HumanTask.objects.filter(instance=case.instance).delete()
    ProcessInstance.objects.filter(pk=case.instance_id).update(next_timer_at=None)


def test_a_running_case_waiting_for_a_step_is_no_orphan(plan_change_case):
    assert orphans() == []


def test_a_case_whose_process_waits_for_nothing_is_found(plan_change_case):
    orphan(plan_change_case)
    [found] = orphans()
    assert (found.case, found.kind) == (plan_change_case, OrphanKind.NOTHING_PENDING)
    assert found.instance == plan_change_case.instance


def test_an_open_case_without_a_process_or_with_an_ended_one_is_found(plan_change_case, team, db):
    bare = Case.objects.create(
        number="PV-2026-900001",
        company=CompanyFactory(),
        procedure="B",
        channel="email",
        received_at=timezone.now(),
        subject="Sin proceso",
    )
    ProcessInstance.objects.filter(pk=plan_change_case.instance_id).update(
        status=InstanceStatus.COMPLETED, completed_at=timezone.now(), next_timer_at=None
    )
    assert kinds() == {
        bare.number: OrphanKind.NO_PROCESS,
        plan_change_case.number: OrphanKind.PROCESS_ENDED,
    }


def test_a_closed_case_whose_process_still_runs_is_found(plan_change_case):
    Case.objects.filter(pk=plan_change_case.pk).update(
        status=CaseStatus.CLOSED, outcome="fulfilled", closed_at=timezone.now()
    )
    assert kinds() == {plan_change_case.number: OrphanKind.STILL_RUNNING}


def test_a_step_of_no_role_is_found(plan_change_case):
    HumanTask.objects.filter(instance=plan_change_case.instance).update(role="")
    [found] = orphans()
    assert found.kind == OrphanKind.NOBODYS_STEP and found.detail == "Verifica requisitos"


def test_cancelling_the_orphan_clears_it(plan_change_case, team):
    orphan(plan_change_case)
    case_cancel(case=plan_change_case, user=team[Role.TEAM_LEAD], reason="Quedó sin pasos.")
    assert orphans() == []


def test_the_background_check_warns_the_team_lead_once_a_day(plan_change_case, team):
    orphan(plan_change_case)
    assert watch_orphans() == {"orphans": 1, "warned": 1}
    [alert] = Alert.objects.filter(case=plan_change_case)
    assert alert.role == Role.TEAM_LEAD and plan_change_case.number in alert.message
    assert watch_orphans() == {"orphans": 1, "warned": 0}  # not again within the day
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert watch_orphans() == {"orphans": 1, "warned": 1}


def test_the_check_is_a_scheduled_job(db):
    from posventa.common.schedules import SCHEDULES

    assert "posventa.cases.jobs.watch_orphans" in {job.func for job in SCHEDULES}


def test_the_watch_page_lists_the_orphans_for_the_team_lead_only(client, plan_change_case, team):
    orphan(plan_change_case)
    url = reverse("indicators:watch")
    client.force_login(team[Role.TEAM_LEAD])
    html = client.get(url).content.decode()
    assert 'data-watch="orphans"' in html
    assert reverse("cases:detail", args=[plan_change_case.number]) in html
    client.force_login(team[Role.EXECUTIVE])  # sees the 24-hour watch of her portfolio only
    html = client.get(url).content.decode()
    assert 'data-watch="orphans"' not in html
