"""The order request arrives on the case page in a real browser: the step
commits without it, the documents block says "Generando…" and refreshes
itself until the worker has rendered it, then links the PDF."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.jobs import render_document
from posventa.cases.models import DocumentKind, DocumentStatus
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "models"),
]

ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


@pytest.fixture
def models(media):
    deploy_only("b_plan_change.bpmn")
    yield
    runtime.specs.clear()


@pytest.fixture
def queue(monkeypatch) -> list[tuple]:
    """The worker's queue, held: enqueued jobs wait here until the test runs
    them (the test settings' django-q2 would run them at once)."""
    held: list[tuple] = []
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda func, *args, **kwargs: held.append((func, args))
    )
    return held


def test_the_case_page_shows_the_order_request_arriving(
    page, live_server, team, customer_product, internet_plans, queue
):
    case = case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Quiere 50 Mbps",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[2].pk, **ALL_DOCUMENTS})
    complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[2].pk})
    assert pending(case).bpmn_id == "quality_call"  # the step committed without the PDF
    order = case.documents.get(kind=DocumentKind.ORDER_REQUEST)
    assert order.status == DocumentStatus.GENERATING
    assert queue == [("posventa.cases.jobs.render_document", (order.pk,))]

    log_in(page, team[Role.EXECUTIVE].username)
    page.goto(f"/casos/{case.number}/")
    block = page.get_by_test_id("case-documents")
    item = block.locator(
        f"[data-testid=document][data-status=generating]:has-text('{order.title}')"
    )
    assert "Generando…" in item.inner_text()
    assert block.get_by_role("link", name=order.title).count() == 0
    assert serious_violations(page) == []

    _func, args = queue.pop()
    assert render_document(*args) == "ready"  # the worker
    link = block.get_by_role("link", name=order.title)
    link.wait_for(timeout=15_000)  # the block asks again every few seconds, by itself
    assert link.get_attribute("href") == f"/casos/{case.number}/documentos/{order.pk}/"
    assert "Generando…" not in block.inner_text()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"solicitud-de-pedido-{case.number}.pdf"
