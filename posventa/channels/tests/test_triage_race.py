"""Two people open a case from the same message at the same moment, on
PostgreSQL (SQLite serialises writers): the message's row lock makes one
wait for the other, who then hears which case the message already opened —
one case, one acknowledgement."""

import threading

import pytest
from django.db import connection, connections

from posventa.cases.models import Case
from posventa.channels.models import MessageState, Notification
from posventa.channels.tests.triage_world import take, world_fixture  # noqa: F401
from posventa.channels.triage import AlreadyTriaged, triage_open_case

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
    ),
]


def test_two_people_opening_the_same_message_at_once_give_one_case(world):
    message = take(1)
    barrier = threading.Barrier(2)
    outcomes = {}

    def open_as(who):
        try:
            barrier.wait(timeout=10)
            case = triage_open_case(
                message=message,
                user=world[who],
                procedure="B",
                product=world["line"],
                subject=f"Cambio de plan ({who})",
            )
            outcomes[who] = case.number
        except AlreadyTriaged as error:
            outcomes[who] = error.messages[0]
        except Exception as error:  # a deadlock would land here
            outcomes[who] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_as, args=(who,)) for who in ("executive", "lead")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    [case] = Case.objects.all()
    assert sorted(outcomes.values()) == sorted(
        [case.number, f"Este mensaje ya abrió el caso {case.number}."]
    ), outcomes
    message.refresh_from_db()
    assert (message.state, message.case) == (MessageState.OPENED, case)
    assert Notification.objects.filter(case=case).count() == 1
