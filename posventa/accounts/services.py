"""Writes on team members."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from posventa.accounts.models import User
from posventa.accounts.roles import Role


@transaction.atomic
def user_create(
    *,
    username: str,
    role: Role | str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    password: str | None = None,
) -> User:
    """Create a team member in one role; without a password she cannot log in
    until an administrator sets one."""
    # The model allows no role for administrators made with createsuperuser;
    # a team member without one could do nothing at all.
    if not role:
        raise ValidationError({"role": _("Choose the team member's role.")})
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
    )
    if password:
        # The project's password rules (settings.AUTH_PASSWORD_VALIDATORS), as
        # when she changes it herself.
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user
