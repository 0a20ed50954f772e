"""Writes on team members."""

from django.db import transaction

from posventa.accounts.models import User
from posventa.accounts.roles import Role


@transaction.atomic
def user_create(
    *, username: str, role: Role | str, first_name: str = "", last_name: str = "",
    email: str = "", password: str | None = None,
) -> User:
    """Create a team member in one role; without a password she cannot log in
    until an administrator sets one."""
    user = User(
        username=username, role=role, first_name=first_name, last_name=last_name, email=email
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user
