import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from posventa.accounts.models import User
from posventa.accounts.roles import Capability, Role, can
from posventa.accounts.services import user_create

pytestmark = pytest.mark.django_db


def test_user_create_makes_a_team_member_in_her_role():
    user = user_create(
        username="mrojas",
        role=Role.COMMERCIAL_MANAGER,
        first_name="María",
        last_name="Rojas",
        email="mrojas@example.com",
        password="una-clave-larga-2025",
    )
    user.refresh_from_db()
    assert user.role == Role.COMMERCIAL_MANAGER
    assert user.get_full_name() == "María Rojas"
    assert user.check_password("una-clave-larga-2025")
    assert can(user, Capability.VIEW_ALL_PORTFOLIOS)


def test_without_a_password_she_cannot_log_in_yet():
    user = user_create(username="nueva", role=Role.EXECUTIVE)
    assert not user.has_usable_password()


def test_an_unknown_role_is_refused_and_nothing_is_saved():
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="jefe", role="boss")
    assert "role" in excinfo.value.message_dict
    assert not User.objects.filter(username="jefe").exists()


def test_a_team_member_needs_a_role():
    # Only administrators (createsuperuser) go without one.
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="sin_rol", role="")
    assert "role" in excinfo.value.message_dict
    assert not User.objects.filter(username="sin_rol").exists()


@pytest.mark.parametrize("password", ["corta", "maria.quispe"])  # too short, like her name
def test_a_weak_password_is_refused_and_nobody_is_created(password):
    with pytest.raises(ValidationError) as excinfo:
        user_create(
            username="maria.quispe", first_name="María", role=Role.EXECUTIVE, password=password
        )
    assert "password" in excinfo.value.message_dict
    assert not User.objects.filter(username="maria.quispe").exists()


def test_a_taken_username_is_refused_with_a_message_not_a_crash(make_user):
    make_user(Role.EXECUTIVE, username="ana")
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="ana", role=Role.TEAM_LEAD)
    assert "username" in excinfo.value.message_dict
    assert User.objects.get(username="ana").role == Role.EXECUTIVE


def test_the_database_refuses_an_unknown_role_written_around_the_service():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="intruso", role="boss")
    assert not User.objects.filter(username="intruso").exists()


def test_the_database_accepts_every_known_role_and_none():
    for role in [*Role.values, ""]:
        User.objects.create(username=f"u_{role or 'admin'}", role=role)
    assert User.objects.count() == len(Role) + 1


def test_role_label_names_the_role_or_administrator(make_user):
    assert make_user(Role.TEAM_LEAD).role_label == Role.TEAM_LEAD.label
    assert str(make_user("", username="root", is_superuser=True).role_label)
