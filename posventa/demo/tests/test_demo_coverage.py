"""The demo's coverage table: every neighbourhood of the portfolio, some
without fiber, some full — and loaded once."""

from collections import Counter

import pytest

from posventa.demo import data
from posventa.demo.coverage import load_coverage
from posventa.integrations import feasibility
from posventa.integrations.models import Coverage

pytestmark = pytest.mark.django_db


def test_the_portfolio_neighbourhoods_have_coverage_some_without_fiber_or_room():
    added = load_coverage()["coverage"]
    assert added == Coverage.objects.count() > 20
    answers = [
        feasibility.check(address="", zone=zone, neighbourhood=neighbourhood)
        for zone, neighbourhood, _city, _streets in data.PLACES.values()
    ]
    assert all(answer.technologies for answer in answers)  # every place is in the table
    assert any("fiber" not in answer.technologies for answer in answers)
    assert any(answer.feasible and "fiber" not in answer.available for answer in answers)
    full = Coverage.objects.filter(spare_ports=0)
    assert full.exists()
    assert any(
        not feasibility.check(address="", zone=row.zone, neighbourhood=row.neighbourhood).feasible
        for row in full
    )


def test_a_second_load_adds_nothing_and_keeps_the_team_s_edits():
    load_coverage()
    Coverage.objects.filter(neighbourhood="Queru Queru", technology="fiber").update(spare_ports=2)
    assert load_coverage() == Counter()
    assert Coverage.objects.get(neighbourhood="Queru Queru", technology="fiber").spare_ports == 2
