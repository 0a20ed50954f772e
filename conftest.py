import pytest

from posventa.accounts.roles import Role
from posventa.factories import UserFactory

# Fixtures shared across apps: the browser (Playwright on Debian's Chromium)
# and a deployed set of procedures with a team and a customer.
pytest_plugins = ["posventa.web.tests.browser", "posventa.procedures.tests.fixtures"]


@pytest.fixture(autouse=True)
def _fresh_spec_cache():
    """Each test starts without parsed process specs. The cache is keyed by
    ProcessVersion id, and a rolled-back test gives its ids out again (SQLite
    reuses them): a spec left by one test would be served to the next for a
    different model. In production an id is never reused."""
    from posventa.engine import runtime

    runtime.specs.clear()
    yield
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with Django's cache empty: what one test counted
    (an ended month's figures, `indicators.selectors.TREND_CACHE_SECONDS`)
    is never served to the next, whose rows may carry the same ids."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def public_dns(monkeypatch):
    """hooks.example.com resolves to a public address (a webhook's callback
    must be one, and documentation ranges are not global); every other name
    as the system says."""
    import socket

    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


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


@pytest.fixture
def reference_data(transactional_db):
    """The rows the data migrations load (catalogue, requirement checklists,
    the timer schedule, the notification texts), loaded again: a
    transactional test's flush wipes them, and the live-server tests need
    them."""
    from importlib import import_module

    from django.apps import apps

    for module in (
        "posventa.catalog.migrations.0002_reference_data",
        "posventa.catalog.migrations.0004_equipment_catalogue_data",
        "posventa.catalog.migrations.0006_team_rules_data",
        "posventa.procedures.migrations.0002_default_requirements",
        "posventa.engine.migrations.0002_timer_schedule",
        "posventa.channels.migrations.0002_notification_texts",
    ):
        migration = import_module(module)
        load = getattr(migration, "load", None) or getattr(migration, "create", None)
        (load or migration.seed)(apps, None)
