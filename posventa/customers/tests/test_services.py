from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from posventa.accounts.roles import Role
from posventa.common.models import Channel
from posventa.customers.models import Company, Contact, Direction, Interaction
from posventa.customers.services import company_create, contact_create, interaction_record
from posventa.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 10, 14, 30, tzinfo=UTC)


def _company(executive, **overrides):
    data = {
        "nit": "1020703023",
        "legal_name": "Distribuidora Andina S.R.L.",
        "address": "Av. Heroínas 456",
        "executive": executive,
    }
    return company_create(**{**data, **overrides})


# --- company_create --------------------------------------------------------


def test_company_create_puts_the_company_in_the_executives_portfolio(executive):
    company = _company(
        executive,
        nit=" 1020.703-023 ",
        legal_name="  Distribuidora Andina S.R.L. ",
        trade_name=" Andina ",
        is_public_institution=True,
    )
    company.refresh_from_db()
    assert company.nit == "1020703023"  # typed with dots and dashes, stored as digits
    assert company.legal_name == "Distribuidora Andina S.R.L."
    assert company.display_name == "Andina"
    assert company.executive == executive
    assert company.is_public_institution
    assert company.city == "Cochabamba"


@pytest.mark.parametrize(
    ("nit", "code"),
    [("12345", "length"), ("10207O3023", "digits"), ("0102070302", "leading_zero"), ("", "blank")],
)
def test_an_implausible_nit_is_refused_with_its_reason(executive, nit, code):
    with pytest.raises(ValidationError) as excinfo:
        _company(executive, nit=nit)
    assert [e.code for e in excinfo.value.error_dict["nit"]] == [code]
    assert not Company.objects.exists()


def test_a_nit_already_registered_is_refused_as_a_validation_error(executive, other_executive):
    _company(executive, nit="1020703023")
    # Typed differently, the same NIT: still a duplicate, and a message, not a crash.
    with pytest.raises(ValidationError) as excinfo:
        _company(other_executive, nit="1020-703-023", legal_name="Otra S.A.")
    assert "nit" in excinfo.value.message_dict
    assert Company.objects.count() == 1


@pytest.mark.parametrize(
    "role", [Role.TEAM_LEAD, Role.COMMERCIAL_MANAGER, Role.TECHNICAL_ANALYST, Role.DIVISION_HEAD]
)
def test_only_an_executive_can_own_a_portfolio(make_user, role):
    with pytest.raises(ValidationError) as excinfo:
        _company(make_user(role))
    assert "executive" in excinfo.value.message_dict
    assert not Company.objects.exists()


def test_neither_an_administrator_nor_an_inactive_executive_can_own_one(make_user):
    admin = make_user("", username="admin", is_superuser=True)
    retired = make_user(Role.EXECUTIVE, username="jubilada", is_active=False)
    for owner in (admin, retired, None):
        with pytest.raises(ValidationError):
            _company(owner)
    assert not Company.objects.exists()


def test_a_company_needs_a_legal_name_and_an_address(executive):
    with pytest.raises(ValidationError) as excinfo:
        _company(executive, legal_name="   ", address="")
    assert {"legal_name", "address"} <= set(excinfo.value.message_dict)
    assert not Company.objects.exists()


# --- contact_create --------------------------------------------------------


def test_a_new_primary_contact_replaces_the_old_one():
    company = CompanyFactory()
    first = contact_create(company=company, name="Luis Pérez", is_primary=True)
    second = contact_create(
        company=company, name=" Carla Soliz ", email="carla@example.com", is_primary=True
    )
    first.refresh_from_db()
    assert not first.is_primary
    assert second.is_primary
    assert second.name == "Carla Soliz"
    assert list(company.contacts.filter(is_primary=True)) == [second]


def test_the_demoted_contact_shows_when_it_changed():
    company = CompanyFactory()
    with time_machine.travel(NOW, tick=False):
        first = contact_create(company=company, name="Luis Pérez", is_primary=True)
    later = NOW + timedelta(days=30)
    with time_machine.travel(later, tick=False):
        contact_create(company=company, name="Carla Soliz", is_primary=True)
    first.refresh_from_db()
    assert first.updated_at == later


def test_a_secondary_contact_leaves_the_primary_alone():
    company = CompanyFactory()
    primary = contact_create(company=company, name="Luis Pérez", is_primary=True)
    contact_create(company=company, name="Carla Soliz")
    primary.refresh_from_db()
    assert primary.is_primary
    assert company.contacts.count() == 2


def test_the_primary_contact_of_another_company_is_untouched():
    other = ContactFactory(is_primary=True)
    contact_create(company=CompanyFactory(), name="Luis Pérez", is_primary=True)
    other.refresh_from_db()
    assert other.is_primary


def test_an_invalid_contact_changes_nothing():
    company = CompanyFactory()
    primary = contact_create(company=company, name="Luis Pérez", is_primary=True)
    with pytest.raises(ValidationError) as excinfo:
        contact_create(company=company, name="Carla", email="no-es-correo", is_primary=True)
    assert "email" in excinfo.value.message_dict
    primary.refresh_from_db()
    assert primary.is_primary  # the old primary was not demoted for nothing
    assert company.contacts.count() == 1


def test_a_contact_needs_a_name_and_a_known_channel():
    company = CompanyFactory()
    with pytest.raises(ValidationError) as excinfo:
        contact_create(company=company, name=" ", preferred_channel="telegram")
    assert {"name", "preferred_channel"} <= set(excinfo.value.message_dict)
    assert not Contact.objects.exists()


# --- interaction_record ----------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_an_interaction_is_saved_with_who_and_when(executive):
    company = CompanyFactory(executive=executive)
    contact = ContactFactory(company=company)
    interaction = interaction_record(
        company=company,
        user=executive,
        channel=Channel.WHATSAPP,
        direction=Direction.INBOUND,
        summary="  Pide suspender la línea por vacaciones.  ",
        contact=contact,
    )
    interaction.refresh_from_db()
    assert interaction.recorded_by == executive
    assert interaction.occurred_at == NOW
    assert interaction.summary == "Pide suspender la línea por vacaciones."
    assert interaction.contact == contact
    assert interaction.channel == Channel.WHATSAPP


@time_machine.travel(NOW, tick=False)
def test_an_interaction_may_be_recorded_after_the_fact(executive):
    company = CompanyFactory(executive=executive)
    yesterday = NOW - timedelta(days=1)
    interaction = interaction_record(
        company=company,
        user=executive,
        channel=Channel.PHONE,
        direction="",
        summary="Llamada de control de calidad.",
        occurred_at=yesterday,
    )
    assert interaction.occurred_at == yesterday
    assert interaction.direction == Direction.OUTBOUND  # the default


@time_machine.travel(NOW, tick=False)
def test_a_clock_a_little_fast_is_not_the_future(executive):
    company = CompanyFactory(executive=executive)
    interaction_record(
        company=company,
        user=executive,
        channel=Channel.PHONE,
        direction=Direction.OUTBOUND,
        summary="Llamada.",
        occurred_at=NOW + timedelta(minutes=4),
    )
    assert Interaction.objects.count() == 1


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"occurred_at": NOW + timedelta(hours=1)}, "occurred_at"),
        ({"channel": "telegram"}, "channel"),
    ],
)
def test_a_bad_interaction_is_refused_and_nothing_is_saved(executive, changes, field):
    company = CompanyFactory(executive=executive)
    data = {
        "company": company,
        "user": executive,
        "channel": Channel.PHONE,
        "direction": Direction.OUTBOUND,
        "summary": "Llamada.",
    }
    with pytest.raises(ValidationError) as excinfo:
        interaction_record(**{**data, **changes})
    assert field in excinfo.value.message_dict
    assert not Interaction.objects.exists()


def test_a_contact_from_another_company_is_refused(executive):
    company = CompanyFactory(executive=executive)
    stranger = ContactFactory(company=CompanyFactory(executive=executive))
    with pytest.raises(ValidationError) as excinfo:
        interaction_record(
            company=company,
            user=executive,
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            summary="Envío de proforma.",
            contact=stranger,
        )
    assert "contact" in excinfo.value.message_dict
    assert not Interaction.objects.exists()


def test_an_executive_cannot_record_on_another_executives_customer(executive, other_executive):
    company = CompanyFactory(executive=other_executive)
    with pytest.raises(PermissionDenied):
        interaction_record(
            company=company,
            user=executive,
            channel=Channel.PHONE,
            direction=Direction.OUTBOUND,
            summary="Llamada.",
        )
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.TEAM_LEAD, Role.COMMERCIAL_MANAGER, Role.TECHNICAL_ANALYST, Role.DIVISION_HEAD]
)
def test_the_roles_serving_the_whole_team_may_record_on_any_customer(make_user, role):
    user = make_user(role)
    company = CompanyFactory()
    interaction = interaction_record(
        company=company,
        user=user,
        channel=Channel.PHONE,
        direction=Direction.OUTBOUND,
        summary="Escalamiento.",
    )
    assert interaction.recorded_by == user
    assert company.interactions.count() == 1


def test_an_inactive_executive_cannot_record_even_on_her_own_customer(make_user):
    retired = make_user(Role.EXECUTIVE, username="jubilada", is_active=False)
    company = CompanyFactory(executive=retired)
    with pytest.raises(PermissionDenied):
        interaction_record(
            company=company,
            user=retired,
            channel=Channel.PHONE,
            direction=Direction.OUTBOUND,
            summary="Llamada.",
        )
    assert not Interaction.objects.exists()


def test_permission_is_checked_before_the_input(executive, other_executive):
    # A stranger learns nothing about the customer from the validation messages.
    company = CompanyFactory(executive=other_executive)
    with pytest.raises(PermissionDenied):
        interaction_record(
            company=company,
            user=executive,
            channel="telegram",
            direction="",
            summary="",
        )
