import pytest
from django.contrib.auth.models import AnonymousUser

from posventa.accounts.roles import Capability, Role, can, sees_every_portfolio

C = Capability

# Written out by hand from the manual's table of roles (PROCEDURES.md §1), not
# derived from ROLE_CAPABILITIES: a change there must be a deliberate change here.
EXPECTED = {
    # Collections (procedure I): the executive calls her debtors; the commercial
    # side oversees them and runs the monthly proformas.
    # Her own commercial visits in the calendar ("ofertas de servicio", Annex 1).
    Role.EXECUTIVE: {
        C.RECORD_INTERACTION,
        C.OWN_PORTFOLIO,
        C.MANAGE_COLLECTIONS,
        C.PLAN_COMMERCIAL_VISITS,
        C.TRIAGE_MESSAGES,  # issue 16: her portfolio's e-mails and WhatsApp messages
    },
    # The commercial manager and the team lead record UTAR's answers (procedure F).
    Role.COMMERCIAL_MANAGER: {
        C.RECORD_INTERACTION,
        C.VIEW_ALL_PORTFOLIOS,
        C.RECORD_UTAR_ANSWER,
        C.MANAGE_COLLECTIONS,
    },
    # The technical manager follows the work orders (procedure C step 8, E, L);
    # the analyst and the overseers see them.
    Role.TECHNICAL_MANAGER: {
        C.RECORD_INTERACTION,
        C.VIEW_ALL_PORTFOLIOS,
        C.VIEW_WORK_ORDERS,
        C.MANAGE_WORK_ORDERS,
        C.PLAN_VISITS,  # the shared visit calendar, with the team lead (procedure L)
    },
    # The analyst closes a damage solved remotely as unfounded (procedure E, step 5).
    Role.TECHNICAL_ANALYST: {
        C.RECORD_INTERACTION,
        C.VIEW_ALL_PORTFOLIOS,
        C.VIEW_WORK_ORDERS,
        C.CLOSE_UNFOUNDED_DAMAGES,
        C.PLAN_VISITS,  # procedure L step 5: she schedules, with the team lead and manager
    },
    # The team lead measures the month and closes it (manual, section III).
    Role.TEAM_LEAD: {
        C.RECORD_INTERACTION,
        C.VIEW_ALL_PORTFOLIOS,
        C.VIEW_TEAM_INDICATORS,
        C.CLOSE_MONTH,
        C.VIEW_WORK_ORDERS,
        C.RECORD_UTAR_ANSWER,
        C.MANAGE_COLLECTIONS,
        C.PLAN_VISITS,
        C.VIEW_COMMERCIAL_VISITS,  # every executive's Annex 1
        C.CANCEL_CASES,  # issue 12: no case stuck for good
        C.IMPORT_DATA,  # issue 14: the commercial system's files
        C.MANAGE_TEAM_TASKS,  # issue 15: the team view, reassigning a step
        C.TRIAGE_MESSAGES,  # issue 16: every message, and unknown senders
    },
    Role.DIVISION_HEAD: {
        C.RECORD_INTERACTION,
        C.VIEW_ALL_PORTFOLIOS,
        C.VIEW_TEAM_INDICATORS,
        C.VIEW_WORK_ORDERS,
        C.MANAGE_COLLECTIONS,
        C.VIEW_COMMERCIAL_VISITS,
        C.CANCEL_CASES,
        C.MANAGE_TEAM_TASKS,
    },
}


def test_the_table_covers_every_role_and_capability():
    assert set(EXPECTED) == set(Role)
    assert set().union(*EXPECTED.values()) == set(Capability)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("capability", list(Capability))
def test_each_role_may_do_exactly_what_the_table_says(make_user, role, capability):
    user = make_user(role)
    assert can(user, capability) is (capability in EXPECTED[role])


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_only_the_executive_is_confined_to_her_own_portfolio(make_user, role):
    assert sees_every_portfolio(make_user(role)) is (role != Role.EXECUTIVE)


@pytest.mark.django_db
@pytest.mark.parametrize("capability", list(Capability))
def test_a_superuser_may_do_everything(make_user, capability):
    admin = make_user("", username="admin", is_superuser=True, is_staff=True)
    assert can(admin, capability)
    assert sees_every_portfolio(admin)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*Role, ""])
@pytest.mark.parametrize("capability", list(Capability))
def test_an_inactive_user_gets_nothing(make_user, role, capability):
    user = make_user(role, is_active=False, is_superuser=(role == ""))
    assert not can(user, capability)
    assert not sees_every_portfolio(user)


@pytest.mark.parametrize("capability", list(Capability))
def test_anonymous_and_missing_users_get_nothing(capability):
    assert not can(AnonymousUser(), capability)
    assert not can(None, capability)
    assert not sees_every_portfolio(AnonymousUser())
    assert not sees_every_portfolio(None)


@pytest.mark.django_db
@pytest.mark.parametrize("capability", list(Capability))
def test_a_user_without_a_role_who_is_not_a_superuser_gets_nothing(make_user, capability):
    assert not can(make_user("", username="sin_rol"), capability)
