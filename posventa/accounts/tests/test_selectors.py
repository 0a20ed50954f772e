import pytest

from posventa.accounts.roles import Role
from posventa.accounts.selectors import executives

pytestmark = pytest.mark.django_db


def test_executives_lists_the_active_executives_by_name(make_user):
    zoe = make_user(Role.EXECUTIVE, username="zoe", first_name="Zoe", last_name="Arce")
    ana = make_user(Role.EXECUTIVE, username="ana", first_name="Ana", last_name="Vargas")
    make_user(Role.EXECUTIVE, username="ida", first_name="Ida", is_active=False)
    make_user(Role.TEAM_LEAD, username="jefa", first_name="Berta")
    make_user(Role.COMMERCIAL_MANAGER, username="gestor", first_name="Carlos")

    assert list(executives()) == [ana, zoe]
