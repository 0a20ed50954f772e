"""Browser tests: Playwright driving Debian's Chromium against the live server."""

import os
from pathlib import Path

import pytest

from posventa.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing at /usr/bin/chromium: CI must run the browser tests.")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def watch_csp(context, violations: list[str] | None = None) -> list[str]:
    """Collects every Content-Security-Policy violation the pages of this
    context report (Chromium prints each to the console as an error); the
    fixtures fail the test on any, so a new inline script or a vendored
    library that needs `eval` is caught by the test that shows it."""
    violations = [] if violations is None else violations

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(message.text)

    context.on("page", lambda page: page.on("console", on_console))
    return violations


def close_checking_csp(context, violations: list[str]) -> None:
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def _new_page(browser, live_server, violations: list[str] | None = None):
    context = browser.new_context(
        base_url=live_server.url, locale="es-BO", timezone_id="America/La_Paz"
    )
    context.set_default_timeout(10_000)
    context.csp_violations = watch_csp(context, violations)
    return context.new_page()


@pytest.fixture
def page(browser, live_server):
    page = _new_page(browser, live_server)
    yield page
    close_checking_csp(page.context, page.context.csp_violations)


def other_person(page, live_server, username: str):
    """A second person, in her own browser context, logged in: for a flow
    that goes from one role's inbox to another's."""
    # Her violations count against the test's own page (checked when it closes).
    other = _new_page(page.context.browser, live_server, page.context.csp_violations)
    log_in(other, username)
    return other


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="es-BO",
    )
    violations = watch_csp(context)
    page = context.new_page()
    yield page
    close_checking_csp(context, violations)


def log_in(page, username: str) -> None:
    page.goto("/entrar/")
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(lambda url: "/entrar/" not in url)


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it is at rest:
    the pointer moved off whatever it last clicked and every CSS transition
    finished (a button half-way between its hover colours and its own has no
    contrast to judge: axe found one so, once in many runs)."""
    from axe_playwright_python.sync_playwright import Axe

    page.mouse.move(0, 0)
    # Transitions only: a spinner's endless animation never finishes.
    page.wait_for_function(
        "() => document.getAnimations()"
        ".every((a) => !(a instanceof CSSTransition) || a.playState !== 'running')"
    )
    results = Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def choose_procedure(page, code: str) -> None:
    """Choose the procedure on the new-request form and wait until htmx has
    swapped the redrawn part in (the product and the open cases it meets,
    `#procedure-part`). The response arriving is not enough: a product chosen
    between the response and the swap is lost with the old part."""
    page.locator("#procedure-part").evaluate("part => { part.dataset.stale = 'yes'; }")
    page.select_option("#id_procedure", code)
    page.locator("#procedure-part:not([data-stale])").wait_for()
