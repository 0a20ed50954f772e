import pytest

from posventa.accounts.roles import Role
from posventa.factories import UserFactory

# Fixtures shared across apps: the browser (Playwright on Debian's Chromium)
# and a deployed set of procedures with a team and a customer.
pytest_plugins = ["posventa.web.tests.browser", "posventa.procedures.tests.fixtures"]


@pytest.fixture
def make_user(db):
    """A team member in a role: make_user(Role.TEAM_LEAD, username="ana")."""

    def make(role: Role | str = Role.EXECUTIVE, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def executive(make_user):
    return make_user(Role.EXECUTIVE, username="ejecutiva")


@pytest.fixture
def other_executive(make_user):
    return make_user(Role.EXECUTIVE, username="otra_ejecutiva")


@pytest.fixture
def team_lead(make_user):
    return make_user(Role.TEAM_LEAD, username="responsable")
