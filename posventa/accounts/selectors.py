"""Reads on team members."""

from django.db.models import QuerySet

from posventa.accounts.models import User
from posventa.accounts.roles import Role


def executives() -> QuerySet[User]:
    """The account executives, the owners of the portfolios, by name."""
    return User.objects.filter(role=Role.EXECUTIVE, is_active=True).order_by(
        "first_name", "last_name", "username"
    )
