"""Cases through the API: the list with the web's filters, paged; a case's
timeline; its documents, listed and downloaded as the case page serves them;
cancelling by the roles that may — and another portfolio's case or document
answering 404 exactly as a missing one."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import CaseDocument, CaseStatus, Outcome
from posventa.cases.services import case_open, document_add
from posventa.factories import CompanyFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = "No encontrado."
PDF = b"%PDF-1.4\n% carta\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def theirs(procedures, internet_plans):
    """A plan change of another executive's customer."""
    other = UserFactory(role=Role.EXECUTIVE, username="otra")
    product = ProductFactory(company=CompanyFactory(executive=other), plan=internet_plans[0])
    return case_open(
        company=product.company,
        procedure="B",
        channel="whatsapp",
        subject="Cambio de plan ajeno",
        product=product,
        user=other,
    )


def _letter(case, user):
    return document_add(
        case=case,
        kind="request_letter",
        file=SimpleUploadedFile("carta firmada.pdf", PDF, content_type="text/plain"),
        user=user,
        title="Carta de solicitud",
    )


# --- the list -------------------------------------------------------------------------------


def test_the_case_list_is_scoped_and_filtered_like_the_web(call, plan_change_case, theirs):
    mine = call(Role.EXECUTIVE, "get", "/cases")
    assert mine.status_code == 200, mine.content
    assert [c["number"] for c in mine.json()] == [plan_change_case.number]
    row = mine.json()[0]
    assert row["procedure"] == "B" and row["status"] == "open" and row["clock"] == "ok"
    assert row["waiting_for"] == [
        {"name": row["waiting_for"][0]["name"], "role": "executive", "assignee": None}
    ]
    every = call(Role.TEAM_LEAD, "get", "/cases")
    assert every["X-Total-Count"] == "2"
    assert [c["number"] for c in call(Role.TEAM_LEAD, "get", "/cases?channel=whatsapp").json()] == [
        theirs.number
    ]
    by_executive = call(Role.TEAM_LEAD, "get", f"/cases?executive_id={theirs.company.executive_id}")
    assert [c["number"] for c in by_executive.json()] == [theirs.number]
    # Another's portfolio asked for by an executive: none of it, not her own instead.
    assert (
        call(Role.EXECUTIVE, "get", f"/cases?executive_id={theirs.company.executive_id}").json()
        == []
    )
    assert call(Role.TEAM_LEAD, "get", "/cases?status=closed").json() == []
    assert call(Role.TEAM_LEAD, "get", "/cases?waiting=executive")["X-Total-Count"] == "2"
    assert call(Role.TEAM_LEAD, "get", "/cases?waiting=commercial_manager").json() == []
    today = timezone.localdate()
    assert call(Role.TEAM_LEAD, "get", f"/cases?received_from={today}")["X-Total-Count"] == "2"
    tomorrow = today + timedelta(days=1)
    assert call(Role.TEAM_LEAD, "get", f"/cases?received_from={tomorrow}").json() == []
    ordered = call(Role.TEAM_LEAD, "get", "/cases?sort=number").json()
    assert [c["number"] for c in ordered] == sorted([plan_change_case.number, theirs.number])


def test_the_case_list_refuses_unknown_filters_in_spanish(call, plan_change_case):
    response = call(
        Role.TEAM_LEAD, "get", "/cases?status=lost&sort=colour&received_from=1999-01-01"
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"status", "sort", "received_from"}
    assert errors["received_from"] == ["El año debe estar entre 2000 y 2100."]


def test_the_case_list_is_paged(call, procedures, customer_product, team):
    for n in range(3):
        case_open(
            company=customer_product.company,
            procedure="L",
            channel="phone",
            subject=f"Visita {n}",
            user=team[Role.EXECUTIVE],
        )
    first = call(Role.EXECUTIVE, "get", "/cases?limit=2")
    assert len(first.json()) == 2 and first["X-Total-Count"] == "3"
    assert 'rel="next"' in first["Link"] and 'rel="prev"' not in first["Link"]
    second = call(Role.EXECUTIVE, "get", "/cases?limit=2&offset=2")
    assert len(second.json()) == 1 and 'rel="prev"' in second["Link"]


def test_the_inbox_is_paged(call, procedures, customer_product, team):
    for n in range(3):
        case_open(
            company=customer_product.company,
            procedure="L",
            channel="phone",
            subject=f"Visita {n}",
            user=team[Role.EXECUTIVE],
        )
    inbox = call(Role.TECHNICAL_ANALYST, "get", "/tasks?limit=1")
    total = int(inbox["X-Total-Count"])
    assert total >= 3 and len(inbox.json()) == 1
    assert 'rel="last"' in inbox["Link"] and f"offset={total - 1}" in inbox["Link"]


# --- timeline and documents -----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.TEAM_LEAD, Role.TECHNICAL_ANALYST])
def test_a_case_timeline_and_documents_read_as_the_case_page(call, team, plan_change_case, role):
    document = _letter(plan_change_case, team[Role.EXECUTIVE])
    timeline = call(role, "get", f"/cases/{plan_change_case.number}/timeline")
    assert timeline.status_code == 200, timeline.content
    kinds = [e["kind"] for e in timeline.json()]
    assert "pending" in kinds and "document" in kinds
    documents = call(role, "get", f"/cases/{plan_change_case.number}/documents")
    assert documents["X-Total-Count"] == "1"
    [listed] = documents.json()
    assert listed["id"] == document.pk
    assert (listed["kind"], listed["status"], listed["content_type"]) == (
        "request_letter",
        "ready",
        "application/pdf",
    )
    assert listed["filename"].endswith(".pdf") and listed["size"] == len(PDF)
    assert listed["download"].endswith(
        f"/api/v1/cases/{plan_change_case.number}/documents/{document.pk}/file"
    )


def test_a_document_downloads_with_the_bytes_and_type_the_web_serves(
    call, client, team, plan_change_case
):
    document = _letter(plan_change_case, team[Role.EXECUTIVE])
    path = f"/cases/{plan_change_case.number}/documents/{document.pk}/file"
    response = call(Role.EXECUTIVE, "get", path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)
    assert body == PDF
    client.force_login(team[Role.EXECUTIVE])
    web = client.get(f"/casos/{plan_change_case.number}/documentos/{document.pk}/")
    assert web["Content-Type"] == response["Content-Type"]
    assert b"".join(web.streaming_content) == body


def test_a_document_still_generating_answers_409(call, plan_change_case):
    pending = CaseDocument.objects.create(
        case=plan_change_case,
        kind="order_request",
        title="Solicitud de orden",
        generated=True,
        status="generating",
        renderer="order_request",
    )
    response = call(
        Role.EXECUTIVE, "get", f"/cases/{plan_change_case.number}/documents/{pending.pk}/file"
    )
    assert response.status_code == 409
    assert "todavía no está listo" in response.json()["detail"]


def test_another_portfolios_case_and_document_are_not_found(call, team, plan_change_case, theirs):
    their_document = _letter(theirs, theirs.company.executive)
    my_document = _letter(plan_change_case, team[Role.EXECUTIVE])
    missing = call(Role.EXECUTIVE, "get", "/cases/PV-2000-999999").json()
    assert missing["detail"] == NOT_FOUND
    for path in (
        f"/cases/{theirs.number}",
        f"/cases/{theirs.number}/timeline",
        f"/cases/{theirs.number}/documents",
        f"/cases/{theirs.number}/documents/{their_document.pk}/file",
        # Another case's document through my case: as missing.
        f"/cases/{plan_change_case.number}/documents/{their_document.pk}/file",
        "/cases/PV-2000-999999/timeline",
        f"/cases/{plan_change_case.number}/documents/999999/file",
    ):
        response = call(Role.EXECUTIVE, "get", path)
        assert (response.status_code, response.json()) == (404, missing), path
    # The team lead sees every portfolio.
    ok = call(Role.TEAM_LEAD, "get", f"/cases/{theirs.number}/documents/{their_document.pk}/file")
    assert ok.status_code == 200
    assert my_document.pk != their_document.pk


# --- cancelling -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.DIVISION_HEAD])
def test_the_team_lead_and_division_head_cancel_a_case(call, plan_change_case, role):
    response = call(
        role,
        "post",
        f"/cases/{plan_change_case.number}/cancel",
        {"reason": "El cliente desistió por teléfono."},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["outcome"]) == ("closed", "cancelled")


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.TECHNICAL_ANALYST])
def test_the_other_roles_may_not_cancel(call, plan_change_case, role):
    response = call(role, "post", f"/cases/{plan_change_case.number}/cancel", {"reason": "x"})
    assert response.status_code == 403
    assert response.json()["detail"]
    plan_change_case.refresh_from_db()
    assert plan_change_case.status == CaseStatus.OPEN and plan_change_case.outcome == ""


def test_the_cancelled_case_is_listed_as_cancelled(call, plan_change_case):
    call(Role.TEAM_LEAD, "post", f"/cases/{plan_change_case.number}/cancel", {"reason": "x"})
    cancelled = call(Role.TEAM_LEAD, "get", "/cases?status=cancelled").json()
    assert [(c["number"], c["outcome"]) for c in cancelled] == [
        (plan_change_case.number, Outcome.CANCELLED)
    ]
    assert call(Role.TEAM_LEAD, "get", "/cases?status=closed").json() == []


def test_the_schema_declares_codes_with_spanish_labels_and_pages(client):
    schema = client.get("/api/v1/openapi.json").json()
    row = schema["components"]["schemas"]["CaseListItemOut"]["properties"]
    assert row["status"]["x-labels"]["waiting_customer"] == "Esperando al cliente"
    listing = schema["paths"]["/api/v1/cases"]["get"]["responses"]["200"]
    assert set(listing["headers"]) == {"X-Total-Count", "Link"}
