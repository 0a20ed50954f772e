"""What the API's tests share."""

import pytest

from posventa.api.services import token_create


@pytest.fixture
def call(client, team):
    """call(role, method, path, json=None): a request to /api/v1 with that
    role's bearer token (`team`: one user per role)."""
    keys = {role: token_create(user=user, name="test")[1] for role, user in team.items()}

    def do(role, method, path, json=None):
        return getattr(client, method)(
            f"/api/v1{path}",
            data=json,
            content_type="application/json",
            headers={"Authorization": f"Bearer {keys[role]}"},
        )

    return do
