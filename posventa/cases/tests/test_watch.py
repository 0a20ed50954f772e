"""The 24-hour watch warns once at the warning hour and marks once at 24 h."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from posventa.accounts.roles import Role
from posventa.cases.models import Alert
from posventa.cases.watch import attention_watch
from posventa.outbox.services import outbox_deliver_pending
from posventa.procedures.tests.test_b_plan_change import open_b_case

RECEIVED = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("America/La_Paz"))


@pytest.fixture
def case(procedures, team, customer_product):
    with time_machine.travel(RECEIVED, tick=False):
        return open_b_case(team, customer_product)


def test_warned_once_at_18_hours_then_marked_at_24(case, team):
    assert attention_watch(now=RECEIVED + timedelta(hours=17, minutes=59)) == {
        "warned": 0,
        "late": 0,
    }
    at_18 = RECEIVED + timedelta(hours=18)
    assert attention_watch(now=at_18) == {"warned": 1, "late": 0}
    case.refresh_from_db()
    assert case.attention_warned_at == at_18
    roles = set(Alert.objects.filter(case=case).values_list("role", flat=True))
    assert roles == {Role.EXECUTIVE, Role.TEAM_LEAD}  # the pending step's owner and the lead
    outbox_deliver_pending()
    [email] = mail.outbox
    assert email.to == [case.company.executive.email]
    assert email.cc == [team[Role.TEAM_LEAD].email]
    assert case.number in email.subject and "09:00" in email.subject  # the next day

    assert attention_watch(now=at_18 + timedelta(hours=1)) == {"warned": 0, "late": 0}
    at_24 = RECEIVED + timedelta(hours=24)
    assert attention_watch(now=at_24) == {"warned": 0, "late": 1}
    case.refresh_from_db()
    assert case.attention_late_at == at_24
    assert attention_watch(now=at_24 + timedelta(hours=1)) == {"warned": 0, "late": 0}
    assert Alert.objects.filter(case=case).count() == 2


def test_a_claimed_step_warns_who_took_it(case, team, settings):
    settings.POSVENTA_ATTENTION_WARNING_HOURS = 12
    task = case.instance.human_tasks.get()
    task.assignee = team[Role.EXECUTIVE]
    task.save()
    assert attention_watch(now=RECEIVED + timedelta(hours=12))["warned"] == 1
    outbox_deliver_pending()
    assert mail.outbox[0].to == [team[Role.EXECUTIVE].email]


def test_an_answered_request_is_left_alone(case):
    case.attended_at = RECEIVED + timedelta(hours=2)
    case.save()
    assert attention_watch(now=RECEIVED + timedelta(hours=30)) == {"warned": 0, "late": 0}


def _team_case(company, received_at, procedure="J"):
    """A case the team started (a loyalty call), not answered, no request in it."""
    from posventa.cases.models import Case

    return Case.objects.create(
        number=f"PV-2026-9{Case.objects.count():05d}",
        company=company,
        procedure=procedure,
        channel="phone",
        subject="Llamada de fidelización",
        received_at=received_at,
    )


@pytest.mark.django_db
def test_the_watch_ignores_a_team_case_without_a_request():
    from posventa.factories import CompanyFactory

    call = _team_case(CompanyFactory(), RECEIVED)
    assert call.requested_at is None
    later = RECEIVED + timedelta(hours=40)
    assert attention_watch(now=later) == {"warned": 0, "late": 0}
    call.refresh_from_db()
    assert (call.attention_warned_at, call.attention_late_at) == (None, None)
    assert not Alert.objects.filter(case=call).exists()


@pytest.mark.django_db
def test_a_team_case_is_watched_from_the_moment_it_becomes_a_request():
    from posventa.cases.services import case_becomes_request
    from posventa.factories import CompanyFactory

    call = _team_case(CompanyFactory(), RECEIVED)
    reported = RECEIVED + timedelta(hours=10)
    with time_machine.travel(reported, tick=False):
        case_becomes_request(case=call)
    # 18 h after the call began: nothing; 18 h after the damage was reported: warned.
    assert attention_watch(now=RECEIVED + timedelta(hours=18))["warned"] == 0
    assert attention_watch(now=reported + timedelta(hours=18))["warned"] == 1
    assert attention_watch(now=RECEIVED + timedelta(hours=24))["late"] == 0
    assert attention_watch(now=reported + timedelta(hours=24))["late"] == 1


@pytest.mark.django_db
def test_a_steps_due_time_runs_from_the_request_or_by_its_own_hours_without_one():
    from posventa.cases.process_hooks import task_due
    from posventa.cases.services import case_becomes_request
    from posventa.engine.models import ProcessInstance, ProcessVersion
    from posventa.engine.runtime import TaskInfo
    from posventa.factories import CompanyFactory

    call = _team_case(CompanyFactory(), RECEIVED, procedure="K")
    version = ProcessVersion.objects.create(
        process_id="k", name="K", version=1, checksum="k", sources={}, main_file="k"
    )
    step = TaskInfo(
        id=None, bpmn_id="s", name="s", lane=None, kind="UserTask", properties={"sla_hours": "48"}
    )
    ready = RECEIVED + timedelta(hours=1)

    def due():
        instance = ProcessInstance(version=version, business_key=call.number, state="{}")
        return task_due(instance, step, ready)

    assert due() == ready + timedelta(hours=48)  # no request: the step's own hours
    reported = RECEIVED + timedelta(hours=5)
    with time_machine.travel(reported, tick=False):
        case_becomes_request(case=call)
    assert due() == reported + timedelta(hours=24)  # the request's 24 hours
    call.refresh_from_db()
    call.attended_at = reported + timedelta(hours=1)
    call.save(update_fields=["attended_at"])
    assert due() == ready + timedelta(hours=48)  # answered: the step's own hours again
