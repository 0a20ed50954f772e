import pytest


@pytest.fixture(autouse=True)
def no_case_left_stuck(request):
    """After every procedure test that touched the database: no case nothing
    moves any more (cases.selectors.orphans) — whatever the test walked, its
    cases wait for a step, a timer or a message, or have ended with their
    process. A test that orphans a case on purpose says so with the marker
    `leaves_orphans`."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or "django_db_setup" in names:
        request.getfixturevalue("db")
    else:
        yield
        return
    yield
    if request.node.get_closest_marker("leaves_orphans"):
        return
    from posventa.cases.selectors import orphans

    found = [(o.business_key, o.kind, o.detail) for o in orphans()]
    assert not found, f"stuck cases left by the test: {found}"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "leaves_orphans: the test orphans a case on purpose (no_case_left_stuck)"
    )
