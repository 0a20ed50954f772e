"""Migration cases/0009: a case that ended where the customer chose (H's
refused penalty, K's declined offers) before those ends said `declined` is
restated as `declined`, read from the end its process reached."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from posventa.engine.models import TaskEvent
from posventa.factories import CompanyFactory
from posventa.indicators.tests.test_customer_requests import with_process
from posventa.indicators.tests.test_definitions import make_case, received

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("posventa.cases.migrations.0009_declined_outcome_backfill")


def ended_at(case, end: str):
    when = case.closed_at
    with_process(case, ended={end: (when, {})})
    TaskEvent.objects.filter(instance=case.instance, bpmn_id=end).update(kind="EndEvent")
    return case


@pytest.mark.parametrize(
    "procedure,end",
    [("H", "end_penalty_refused"), ("K", "end_not_interested"), ("K", "end_offer_declined")],
)
def test_a_customer_who_chose_before_the_declined_outcome_is_restated_as_declined(procedure, end):
    case = ended_at(
        make_case(
            CompanyFactory(),
            received_at=received(3),
            procedure=procedure,
            outcome="withdrawn_by_customer",
        ),
        end,
    )
    backfill.restate_chosen_ends(apps, None)
    case.refresh_from_db()
    assert case.outcome == "declined"


def test_a_customer_who_gave_up_elsewhere_keeps_the_outcome_gave_up():
    # H's other give-up (requirements, or the customer stops answering) is not a choice.
    case = ended_at(
        make_case(
            CompanyFactory(),
            received_at=received(3),
            procedure="H",
            outcome="withdrawn_by_customer",
            closed_after=timedelta(hours=5),
        ),
        "end_requirements_not_met",
    )
    backfill.restate_chosen_ends(apps, None)
    case.refresh_from_db()
    assert case.outcome == "withdrawn_by_customer"
