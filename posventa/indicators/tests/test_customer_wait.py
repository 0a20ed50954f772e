"""The time a case waits for the customer is added up as the process runs,
for the setting that leaves it out of the 24 hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus
from posventa.procedures.tests.test_b_plan_change import ALL_DOCUMENTS, complete, open_b_case

START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("America/La_Paz"))


def test_the_wait_for_missing_documents_is_added_up(
    procedures, team, customer_product, internet_plans
):
    with time_machine.travel(START, tick=False) as clock:
        case = open_b_case(team, customer_product)
        clock.shift(timedelta(hours=1))
        complete(
            case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk, "has_nit_copy": "on"}
        )
        assert case.status == CaseStatus.WAITING_CUSTOMER
        assert case.waiting_since == START + timedelta(hours=1)

        clock.shift(timedelta(hours=6))
        complete(
            case,
            team[Role.EXECUTIVE],
            {
                "completed": "yes",
                **ALL_DOCUMENTS,
                "interaction_channel": "in_person",
                "interaction_summary": "Trajo los documentos.",
            },
        )
        assert case.status == CaseStatus.OPEN
        assert (case.customer_wait, case.waiting_since) == (timedelta(hours=6), None)
