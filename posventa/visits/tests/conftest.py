"""The visit calendar's tests live in the week of Monday 23 November 2026."""

import pytest
import time_machine

from posventa.visits.tests.helpers import at


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(at(23, 8), tick=True):
        yield
