"""What the read-only facades' tests (TMF637, TMF683, TMF632) share: a
client that sends a person's API token, and the TMF630 error checks."""

import pytest

from posventa.accounts.roles import Role
from posventa.api.services import token_create


class TMFClient:
    """Django's test client with `user`'s bearer token on every request."""

    def __init__(self, client, user):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token_create(user=user, name='tmf')[1]}"}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)


@pytest.fixture
def as_executive(client, executive):
    return TMFClient(client, executive)


@pytest.fixture
def as_other_executive(client, other_executive):
    return TMFClient(client, other_executive)


@pytest.fixture
def as_team_lead(client, make_user):
    return TMFClient(client, make_user(Role.TEAM_LEAD, username="jefa_tmf"))


def assert_tmf_error(response, status: int, code: str, *phrases: str) -> dict:
    """A TMF630 Error object, in Spanish, with the given status and code."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["status"] == str(status)
    assert body["@type"] == "Error"
    for phrase in phrases:
        assert phrase in body["message"], body["message"]
    return body


def assert_not_found(response):
    """Missing and not-yours are one answer, word for word."""
    body = assert_tmf_error(response, 404, "notFound")
    assert body == {
        "code": "notFound",
        "reason": "No encontrado",
        "message": "No encontrado.",
        "status": "404",
        "@type": "Error",
    }


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()]
