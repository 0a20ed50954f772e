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
