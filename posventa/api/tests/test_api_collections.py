"""Collections through the API (procedure I) as each role: the month's
proforma run started and followed chunk by chunk, the proformas listed and
downloaded (the web's bytes), the debtors with the web's filters, the
collection call — the I case the debtors page opens — and the payment
promises, with the web's permissions (403), scoping (404) and Spanish
refusals (422)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.collections.models import PaymentPromise, ProformaRun, RunStatus
from posventa.collections.services import proforma_run_start, proformas_for_company
from posventa.engine import runtime
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    InvoiceFactory,
    ProductFactory,
    UserFactory,
)
from posventa.procedures.tests.fixtures import deploy_only

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")
TODAY = date(2026, 3, 2)
MANAGERS = [Role.EXECUTIVE, Role.COMMERCIAL_MANAGER, Role.TEAM_LEAD, Role.DIVISION_HEAD]
NOT_MANAGERS = [Role.TECHNICAL_MANAGER, Role.TECHNICAL_ANALYST]
REFUSED = "Su rol no gestiona la cobranza."


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def procedures(db, media):
    """Only I's model."""
    yield deploy_only("i_collections.bpmn")
    runtime.specs.clear()


def debtor(executive, name: str, *, days: int, nit: str | None = None, amount="250.00"):
    extra = {"nit": nit} if nit else {}
    company = CompanyFactory(executive=executive, legal_name=name, **extra)
    InvoiceFactory(
        product=ProductFactory(company=company),
        period=date(2025, 1, 1),
        due_date=TODAY - timedelta(days=days),
        amount=Decimal(amount),
    )
    return company


@pytest.fixture
def debtors(team):
    """Three debtors of the executive (10, 45 and 100 days overdue) and one
    of another executive's portfolio."""
    executive = team[Role.EXECUTIVE]
    other = UserFactory(role=Role.EXECUTIVE, username="otra")
    return {
        "recent": debtor(executive, "Hotel Cochabamba", days=10),
        "andes": debtor(executive, "Transportes Andes S.A.", days=45, nit="3012345"),
        "old": debtor(executive, "Andina de Seguros", days=100),
        "theirs": debtor(other, "Ajena S.A.", days=20),
        "other": other,
    }


@pytest.fixture
def produced(team, customer_product, media):
    """February's and March's proformas of the executive's customer, and
    March's of another executive's customer."""
    mine = customer_product.company
    ContactFactory(company=mine, is_primary=True, email="pagos@cliente.bo")
    other = UserFactory(username="otra", role=Role.EXECUTIVE)
    theirs = CompanyFactory(executive=other, legal_name="Ajena S.A.")
    ProductFactory(company=theirs, plan=customer_product.plan, service_number="INT-9999")
    proformas_for_company(company=mine, period=date(2026, 2, 1))
    proformas_for_company(company=mine, period=date(2026, 3, 1))
    proformas_for_company(company=theirs, period=date(2026, 3, 1))
    return {"mine": mine, "theirs": theirs}


# --- who may ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_a_role_that_does_not_manage_collections_is_refused_everything(call, team, debtors, role):
    for method, path in [
        ("post", "/collections/proforma-runs"),
        ("get", "/collections/proforma-runs"),
        ("get", "/collections/proforma-runs/1"),
        ("get", "/collections/proformas"),
        ("get", "/collections/proformas/1/file"),
        ("get", "/collections/debtors"),
        ("post", f"/collections/debtors/{debtors['recent'].pk}/call"),
        ("get", "/collections/promises"),
    ]:
        response = call(role, method, path)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"] == REFUSED
    assert not ProformaRun.objects.exists() and not Case.objects.exists()


# --- the proforma runs -------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_a_run_is_started_and_followed_chunk_by_chunk(
    call, team, customer_product, media, settings, django_capture_on_commit_callbacks, role
):
    settings.POSVENTA_PROFORMA_CHUNK = 1
    ProductFactory(company__executive=team[Role.EXECUTIVE], plan=customer_product.plan)
    with django_capture_on_commit_callbacks(execute=True):
        response = call(role, "post", "/collections/proforma-runs")
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["joined"] is False
    assert started["run"]["period"] == "2026-03" and started["run"]["chunks_total"] == 2
    assert started["run"]["started_by"] == role.value
    # The queue (sync in the tests) ran its chunks after the commit.
    run = call(role, "get", f"/collections/proforma-runs/{started['run']['id']}").json()
    assert run["status"] == RunStatus.DONE and run["percent"] == 100
    assert (run["companies_total"], run["companies_done"], run["proformas_created"]) == (2, 2, 2)
    assert run["chunks_finished"] == 2
    assert [(c["number"], c["companies_done"], c["finished"]) for c in run["chunks"]] == [
        (1, 1, True),
        (2, 1, True),
    ]
    assert run["summary"]["proformas"] == 2


def test_a_second_start_joins_the_running_run(call, team, customer_product):
    running = proforma_run_start(period=TODAY, user=team[Role.TEAM_LEAD])
    response = call(Role.EXECUTIVE, "post", "/collections/proforma-runs")
    assert response.status_code == 200
    assert response.json()["joined"] is True
    assert response.json()["run"]["id"] == running.pk
    assert response.json()["run"]["status"] == "running"
    assert response.json()["run"]["summary"] is None
    assert ProformaRun.objects.count() == 1


def test_the_runs_a_page_at_a_time_the_latest_first(call, team, customer_product):
    for month in (1, 2, 3):
        ProformaRun.objects.create(period=date(2026, month, 1), status=RunStatus.DONE)
    response = call(Role.COMMERCIAL_MANAGER, "get", "/collections/proforma-runs?limit=2")
    assert response.status_code == 200
    assert response["X-Total-Count"] == "3" and 'rel="next"' in response["Link"]
    assert [r["period"] for r in response.json()] == ["2026-03", "2026-02"]
    assert call(
        Role.COMMERCIAL_MANAGER, "get", "/collections/proforma-runs/999999"
    ).status_code == (404)


# --- the proformas -----------------------------------------------------------------------


def test_an_executive_lists_her_portfolios_proformas_a_page_at_a_time(call, team, produced):
    response = call(Role.EXECUTIVE, "get", "/collections/proformas?limit=1")
    assert response.status_code == 200
    assert response["X-Total-Count"] == "2" and 'rel="next"' in response["Link"]
    [first] = response.json()
    assert (first["company_id"], first["period"]) == (produced["mine"].pk, "2026-03")
    assert first["channel"] == "email"
    every = call(Role.TEAM_LEAD, "get", "/collections/proformas").json()
    assert len(every) == 3
    march = call(Role.TEAM_LEAD, "get", "/collections/proformas?month=2026-03").json()
    assert {p["period"] for p in march} == {"2026-03"} and len(march) == 2
    by_name = call(Role.TEAM_LEAD, "get", "/collections/proformas?q=ajena").json()
    assert [p["company"] for p in by_name] == ["Ajena S.A."]
    by_id = call(
        Role.TEAM_LEAD, "get", f"/collections/proformas?company_id={produced['mine'].pk}"
    ).json()
    assert len(by_id) == 2


@pytest.mark.parametrize("month", ["2026-13", "marzo", "1999-03"])
def test_a_bad_month_is_refused_in_spanish(call, team, produced, month):
    response = call(Role.EXECUTIVE, "get", f"/collections/proformas?month={month}")
    assert response.status_code == 422
    assert response.json()["errors"]["month"] == [
        "Indique el mes como AAAA-MM, por ejemplo 2026-11."
    ]


def test_a_proforma_downloads_the_bytes_the_web_gives(call, client, team, produced):
    [proforma] = call(Role.EXECUTIVE, "get", "/collections/proformas?month=2026-03").json()
    response = call(Role.EXECUTIVE, "get", proforma["file"].removeprefix("/api/v1"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    client.force_login(team[Role.EXECUTIVE])
    web = client.get(reverse("collections:proforma_download", args=[proforma["id"]]))
    assert b"".join(web.streaming_content) == content
    assert web["Content-Disposition"] == response["Content-Disposition"]


def test_another_portfolios_proforma_answers_as_a_missing_one(call, team, produced):
    [theirs] = call(Role.TEAM_LEAD, "get", "/collections/proformas?q=ajena").json()
    path = f"/collections/proformas/{theirs['id']}/file"
    assert call(Role.EXECUTIVE, "get", path).status_code == 404
    assert call(Role.EXECUTIVE, "get", "/collections/proformas/999999/file").status_code == 404
    assert call(Role.COMMERCIAL_MANAGER, "get", path).status_code == 200


# --- the debtors -------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_the_debtors_the_most_overdue_first_a_page_at_a_time(call, team, debtors, role):
    response = call(role, "get", "/collections/debtors?limit=2")
    assert response.status_code == 200
    total = 3 if role == Role.EXECUTIVE else 4
    assert response["X-Total-Count"] == str(total) and 'rel="next"' in response["Link"]
    [first, second] = response.json()
    assert (first["company"], first["days_overdue"], first["bucket"]) == (
        "Andina de Seguros",
        100,
        "90+",
    )
    assert first["owed"] == "250.00" and first["products"][0]["overdue_invoices"] == 1
    assert second["company"] == "Transportes Andes S.A."
    everyone = call(role, "get", "/collections/debtors").json()
    assert ("Ajena S.A." in {d["company"] for d in everyone}) == (role != Role.EXECUTIVE)


def test_the_debtors_are_searched_and_filtered_as_on_the_web(call, team, debtors):
    def names(role, query):
        return [d["company"] for d in call(role, "get", f"/collections/debtors?{query}").json()]

    assert names(Role.EXECUTIVE, "q=andes") == ["Transportes Andes S.A."]
    assert names(Role.EXECUTIVE, "q=3012") == ["Transportes Andes S.A."]
    assert names(Role.EXECUTIVE, "bucket=90%2B") == ["Andina de Seguros"]
    assert names(Role.EXECUTIVE, "q=and&bucket=31-60") == ["Transportes Andes S.A."]
    assert names(Role.TEAM_LEAD, f"executive_id={debtors['other'].pk}") == ["Ajena S.A."]
    # Another portfolio's executive, or a missing one: the same empty answer.
    assert names(Role.TEAM_LEAD, "executive_id=999999") == []
    assert names(Role.EXECUTIVE, f"executive_id={debtors['other'].pk}") == []
    assert names(Role.EXECUTIVE, "executive_id=999999") == []


@pytest.mark.parametrize(
    ("role", "query", "field", "message"),
    [
        (Role.EXECUTIVE, "bucket=120", "bucket", "Elija uno de: 1-30, 31-60, 61-90, 90+."),
        (Role.EXECUTIVE, "q=" + "x" * 101, "q", "Como máximo 100 caracteres."),
        (Role.EXECUTIVE, "executive_id=0", "executive_id", "El número debe ser al menos 1."),
        (Role.EXECUTIVE, "limit=501", "limit", "El número debe ser como máximo 500."),
    ],
)
def test_bad_debtor_filters_are_refused_in_spanish(
    call, team, debtors, role, query, field, message
):
    response = call(role, "get", f"/collections/debtors?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][field] == [message]


@pytest.mark.parametrize("role", MANAGERS)
def test_the_ageing_bands_summarise_the_debtors_one_sees(call, team, debtors, role):
    response = call(role, "get", "/collections/debtors/ageing")
    assert response.status_code == 200
    assert response["X-Total-Count"] == "4"
    bands = {b["bucket"]: (b["debtors"], b["owed"]) for b in response.json()}
    # The executive does not see the other portfolio's debtor (20 days).
    recent = 1 if role == Role.EXECUTIVE else 2
    assert bands == {
        "1-30": (recent, f"{250 * recent}.00"),
        "31-60": (1, "250.00"),
        "61-90": (0, "0.00"),
        "90+": (1, "250.00"),
    }
    searched = call(role, "get", "/collections/debtors/ageing?q=andes").json()
    assert [b["debtors"] for b in searched] == [0, 1, 0, 0]


# --- the collection call -----------------------------------------------------------------


def test_the_call_opens_the_same_case_the_debtors_page_opens_and_then_finds_it(
    call, client, team, debtors, procedures
):
    client.force_login(team[Role.EXECUTIVE])
    client.post(reverse("collections:call", args=[debtors["recent"].pk]))
    web_case = Case.objects.get(company=debtors["recent"])

    response = call(Role.EXECUTIVE, "post", f"/collections/debtors/{debtors['andes'].pk}/call")
    assert response.status_code == 201, response.content
    opened = response.json()
    assert opened["opened"] is True
    api_case = Case.objects.get(company=debtors["andes"])
    assert opened["case"]["number"] == api_case.number
    for attribute in ("procedure", "channel", "subject", "status", "product_id"):
        assert getattr(api_case, attribute) == getattr(web_case, attribute), attribute
    assert (api_case.procedure, api_case.channel) == ("I", "phone")
    assert api_case.subject == "Cobranza de facturas pendientes"
    web_steps = [(t.bpmn_id, t.role) for t in web_case.instance.human_tasks.all()]
    api_steps = [(t.bpmn_id, t.role) for t in api_case.instance.human_tasks.all()]
    assert api_steps == web_steps == [("call_debtor", Role.EXECUTIVE)]

    # Calling again works in the open case; the debtors list shows it.
    again = call(Role.TEAM_LEAD, "post", f"/collections/debtors/{debtors['andes'].pk}/call")
    assert again.status_code == 200
    assert again.json() == {"opened": False, "case": opened["case"]}
    assert Case.objects.filter(company=debtors["andes"]).count() == 1
    listed = call(Role.EXECUTIVE, "get", "/collections/debtors?q=andes").json()
    assert listed[0]["open_case"] == api_case.number


def test_another_portfolios_debtor_answers_as_a_missing_one(call, team, debtors, procedures):
    for company_id in (debtors["theirs"].pk, 999_999):
        response = call(Role.EXECUTIVE, "post", f"/collections/debtors/{company_id}/call")
        assert response.status_code == 404
    assert not Case.objects.exists()


@pytest.mark.parametrize("role", [Role.COMMERCIAL_MANAGER, Role.DIVISION_HEAD])
def test_who_serves_every_portfolio_calls_any_debtor(call, team, debtors, procedures, role):
    response = call(role, "post", f"/collections/debtors/{debtors['theirs'].pk}/call")
    assert response.status_code == 201
    assert Case.objects.get().status == CaseStatus.OPEN


# --- the payment promises ----------------------------------------------------------------


def test_a_promise_recorded_on_the_calls_step_is_listed(call, team, debtors, procedures):
    opened = call(Role.EXECUTIVE, "post", f"/collections/debtors/{debtors['andes'].pk}/call")
    [step] = opened.json()["case"]["current_tasks"]
    data = {
        "interaction_channel": "phone",
        "interaction_summary": "Se compromete a pagar.",
        "call_result": "promise",
        "promised_on": "2026-03-05",
        "promised_amount": "900.00",
    }
    # More than it owes: the step refuses it in Spanish, nothing recorded.
    refused = call(Role.EXECUTIVE, "post", f"/tasks/{step['id']}/complete", {"data": data})
    assert refused.status_code == 422
    # (The field is named as /tasks names a form's fields.)
    [messages] = [v for k, v in refused.json()["errors"].items() if k.endswith("promised_amount")]
    assert messages == ["El cliente solo adeuda Bs 250,00 vencidos."]
    assert not PaymentPromise.objects.exists()

    data["promised_amount"] = "200.00"
    done = call(Role.EXECUTIVE, "post", f"/tasks/{step['id']}/complete", {"data": data})
    assert done.status_code == 200, done.content
    response = call(Role.EXECUTIVE, "get", "/collections/promises")
    assert response["X-Total-Count"] == "1"
    [promise] = response.json()
    assert (promise["company_id"], promise["promised_on"], promise["amount"]) == (
        debtors["andes"].pk,
        "2026-03-05",
        "200.00",
    )
    assert promise["kept"] is None and promise["recorded_by"] == "executive"
    assert promise["case"] == opened.json()["case"]["number"]
    assert call(Role.EXECUTIVE, "get", "/collections/promises?state=pending").json() == [promise]
    assert call(Role.EXECUTIVE, "get", "/collections/promises?state=kept").json() == []
    listed = call(Role.EXECUTIVE, "get", "/collections/debtors?q=andes").json()
    assert listed[0]["last_promise"] == promise


def test_the_promises_of_the_portfolios_one_sees_a_page_at_a_time(call, team, debtors, procedures):
    for key in ("recent", "andes", "theirs"):
        case = Case.objects.get(
            number=call(
                Role.TEAM_LEAD, "post", f"/collections/debtors/{debtors[key].pk}/call"
            ).json()["case"]["number"]
        )
        PaymentPromise.objects.create(
            case=case, company=case.company, promised_on=date(2026, 3, 6), amount=Decimal("10")
        )
    lead = call(Role.DIVISION_HEAD, "get", "/collections/promises?limit=2")
    assert lead["X-Total-Count"] == "3" and len(lead.json()) == 2
    assert 'rel="next"' in lead["Link"]
    mine = call(Role.EXECUTIVE, "get", "/collections/promises").json()
    assert {p["company_id"] for p in mine} == {debtors["recent"].pk, debtors["andes"].pk}
    theirs = call(Role.EXECUTIVE, "get", f"/collections/promises?company_id={debtors['theirs'].pk}")
    assert theirs.json() == [] and theirs["X-Total-Count"] == "0"
    bad = call(Role.EXECUTIVE, "get", "/collections/promises?state=late")
    assert bad.status_code == 422
    assert bad.json()["errors"]["state"] == ["Elija uno de: pending, kept, broken."]
