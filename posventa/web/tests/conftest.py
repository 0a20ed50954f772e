"""Fixtures of the web tests: the two portfolios hostile requests are sent to."""

from posventa.web.tests.hostile import world  # noqa: F401 — a fixture
