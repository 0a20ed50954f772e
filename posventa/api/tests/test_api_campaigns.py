"""Call campaigns through the API (procedure J) as each role: the campaigns
and their calls listed a page at a time, a campaign planned, a call started
— the J case the campaign page opens — with the web's permissions (403),
scoping (404) and Spanish refusals (422)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.campaigns.models import CallResult, Campaign, CampaignItem, CampaignKind
from posventa.campaigns.services import campaign_create
from posventa.cases.models import Case
from posventa.engine import runtime
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.procedures.tests.fixtures import deploy_only

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")
TODAY = date(2026, 11, 25)
PLANNERS = [Role.EXECUTIVE, Role.TEAM_LEAD, Role.DIVISION_HEAD]
NOT_PLANNERS = [Role.COMMERCIAL_MANAGER, Role.TECHNICAL_MANAGER, Role.TECHNICAL_ANALYST]


@pytest.fixture(autouse=True)
def working_hours():
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def procedures(db, media):
    """Only the models J needs (J and E, which it calls)."""
    yield deploy_only("j_loyalty_calls.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


@pytest.fixture
def portfolio(team, internet_plans):
    """Three products of two customers of the executive; one of another's."""
    executive = team[Role.EXECUTIVE]
    first = CompanyFactory(executive=executive, legal_name="Alfa S.A.")
    second = CompanyFactory(executive=executive, legal_name="Beta SRL")
    products = [
        ProductFactory(company=first, plan=internet_plans[0], service_number="INT-1001"),
        ProductFactory(company=first, plan=internet_plans[0], service_number="INT-1002"),
        ProductFactory(company=second, plan=internet_plans[1], service_number="INT-2001"),
    ]
    other = UserFactory(role=Role.EXECUTIVE, username="otra")
    theirs = CompanyFactory(executive=other, legal_name="Ajena S.A.")
    ProductFactory(company=theirs, plan=internet_plans[0], service_number="INT-9001")
    return {"mine": [first, second], "products": products, "other": other, "theirs": theirs}


def plan(executive, *, name="Fidelización", starts_on=TODAY, user=None) -> Campaign:
    return campaign_create(
        name=name,
        kind=CampaignKind.LOYALTY,
        executive=executive,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=5),
        user=user or executive,
    )


def body(**extra) -> dict:
    return {
        "name": "Fidelización diciembre",
        "kind": "loyalty",
        "starts_on": "2026-11-25",
        "ends_on": "2026-11-30",
        **extra,
    }


# --- the list and one campaign -----------------------------------------------------------


@pytest.mark.parametrize("role", PLANNERS)
def test_who_plans_campaigns_lists_them_a_page_at_a_time_with_their_progress(
    call, team, portfolio, role
):
    for n in range(3):
        plan(team[Role.EXECUTIVE], name=f"Campaña {n}")
    plan(portfolio["other"], name="De otra")
    response = call(role, "get", "/campaigns?limit=2")
    assert response.status_code == 200, response.content
    # The executive her own three; who oversees the team every one.
    total = 3 if role == Role.EXECUTIVE else 4
    assert response["X-Total-Count"] == str(total)
    assert 'rel="next"' in response["Link"] and "offset=2" in response["Link"]
    [first, _second] = response.json()
    if role == Role.EXECUTIVE:
        assert first["executive_id"] == team[Role.EXECUTIVE].pk
    assert first["progress"]["total"] >= 1
    rest = call(role, "get", "/campaigns?limit=2&offset=2").json()
    assert len(rest) == total - 2


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_a_role_that_does_not_plan_calls_is_refused_every_campaign_action(
    call, team, portfolio, role
):
    campaign = plan(team[Role.EXECUTIVE])
    item = campaign.items.first()
    for method, path, json in [
        ("get", "/campaigns", None),
        ("post", "/campaigns", body(executive_id=team[Role.EXECUTIVE].pk)),
        ("get", f"/campaigns/{campaign.pk}", None),
        ("get", f"/campaigns/{campaign.pk}/calls", None),
        ("post", f"/campaigns/calls/{item.pk}/start", None),
    ]:
        response = call(role, method, path, json)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["detail"] == "Su rol no planifica campañas de llamadas."
    assert Campaign.objects.count() == 1
    assert not Case.objects.exists()


def test_one_campaign_with_its_calls_paged_and_filtered_by_result(
    call, team, portfolio, procedures
):
    campaign = plan(team[Role.EXECUTIVE])
    detail = call(Role.EXECUTIVE, "get", f"/campaigns/{campaign.pk}").json()
    assert detail["progress"] == {
        "total": 3,
        "called": 0,
        "pending": 3,
        "in_call": 0,
        "with_problem": 0,
        "percent": 0,
    }
    calls = call(Role.EXECUTIVE, "get", f"/campaigns/{campaign.pk}/calls?limit=2")
    assert calls["X-Total-Count"] == "3"
    assert [c["product"] for c in calls.json()] == ["INT-1001", "INT-1002"]
    assert {c["result"] for c in calls.json()} == {"pending"}
    first = calls.json()[0]["id"]
    assert call(Role.EXECUTIVE, "post", f"/campaigns/calls/{first}/start").status_code == 201
    in_call = call(Role.TEAM_LEAD, "get", f"/campaigns/{campaign.pk}/calls?result=in_call")
    assert in_call["X-Total-Count"] == "1" and in_call.json()[0]["id"] == first
    assert in_call.json()[0]["case"] is not None
    refused = call(Role.EXECUTIVE, "get", f"/campaigns/{campaign.pk}/calls?result=done")
    assert refused.status_code == 422
    assert refused.json()["errors"]["result"] == [
        "Elija uno de: pending, in_call, no_problem, problem."
    ]


def test_another_executives_campaign_answers_as_a_missing_one(call, team, portfolio):
    theirs = plan(portfolio["other"])
    for path in [f"/campaigns/{theirs.pk}", f"/campaigns/{theirs.pk}/calls", "/campaigns/999999"]:
        response = call(Role.EXECUTIVE, "get", path)
        assert response.status_code == 404, path
        assert response.json() == {"code": "not_found", "detail": "No encontrado."}
    # Who oversees the team reads it.
    assert call(Role.TEAM_LEAD, "get", f"/campaigns/{theirs.pk}").status_code == 200


# --- a campaign planned ------------------------------------------------------------------


def test_an_executive_plans_a_campaign_on_her_own_portfolio(call, team, portfolio):
    response = call(Role.EXECUTIVE, "post", "/campaigns", body())
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["executive_id"] == team[Role.EXECUTIVE].pk
    assert created["kind"] == "loyalty" and created["progress"]["total"] == 3
    campaign = Campaign.objects.get(pk=created["id"])
    assert campaign.created_by == team[Role.EXECUTIVE]
    assert sorted(campaign.items.values_list("product__service_number", flat=True)) == [
        "INT-1001",
        "INT-1002",
        "INT-2001",
    ]


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.DIVISION_HEAD])
def test_who_oversees_plans_a_campaign_on_an_executives_chosen_customers(
    call, team, portfolio, role
):
    [first, _second] = portfolio["mine"]
    response = call(
        role,
        "post",
        "/campaigns",
        body(executive_id=team[Role.EXECUTIVE].pk, company_ids=[first.pk]),
    )
    assert response.status_code == 201, response.content
    campaign = Campaign.objects.get(pk=response.json()["id"])
    assert campaign.executive == team[Role.EXECUTIVE] and campaign.created_by == team[role]
    assert set(campaign.items.values_list("company", flat=True)) == {first.pk}


def test_an_executive_may_not_plan_on_another_portfolio(call, team, portfolio):
    response = call(Role.EXECUTIVE, "post", "/campaigns", body(executive_id=portfolio["other"].pk))
    assert response.status_code == 403
    assert response.json()["detail"] == "Solo puede planificar llamadas de su propia cartera."
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("role", "payload", "field", "message"),
    [
        (
            Role.EXECUTIVE,
            body(ends_on="2026-11-20"),
            "ends_on",
            "La campaña no puede terminar antes de empezar.",
        ),
        (Role.EXECUTIVE, body(name=""), "name", "Este campo no puede estar vacío."),
        (Role.EXECUTIVE, body(kind="sales"), "kind", "Elija uno de: loyalty, quality."),
        (
            Role.EXECUTIVE,
            body(starts_on="1999-12-31"),
            "starts_on",
            "El año debe estar entre 2000 y 2100.",
        ),
        (
            Role.TEAM_LEAD,
            body(),
            "executive_id",
            "Elija el/la ejecutivo(a) cuya cartera se llama.",
        ),
        (
            Role.TEAM_LEAD,
            body(executive_id=999_999),
            "executive_id",
            "Elija el/la ejecutivo(a) cuya cartera se llama.",
        ),
    ],
)
def test_bad_input_is_refused_in_spanish_and_nothing_is_planned(
    call, team, portfolio, role, payload, field, message
):
    response = call(role, "post", "/campaigns", payload)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][field] == [message]
    assert not Campaign.objects.exists()


def test_customers_outside_the_portfolio_are_refused_by_name_or_as_unknown(call, team, portfolio):
    theirs = portfolio["theirs"]
    # The executive does not see another portfolio's customer: unknown to her.
    mine = call(Role.EXECUTIVE, "post", "/campaigns", body(company_ids=[theirs.pk]))
    assert mine.status_code == 422
    assert mine.json()["errors"]["company_ids"] == [
        f"No hay clientes suyos con los id {theirs.pk}."
    ]
    # The team lead sees it: the service names it as not the executive's.
    lead = call(
        Role.TEAM_LEAD,
        "post",
        "/campaigns",
        body(executive_id=team[Role.EXECUTIVE].pk, company_ids=[theirs.pk]),
    )
    assert lead.status_code == 422
    assert lead.json()["errors"]["company_ids"] == [
        f"{theirs.display_name} no están en la cartera de este(a) ejecutivo(a)."
    ]
    assert not Campaign.objects.exists()


def test_a_campaign_with_nobody_to_call_is_refused(call, team, portfolio):
    response = call(Role.EXECUTIVE, "post", "/campaigns", body(kind="quality"))
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"] == [
        "No hay a quién llamar: la lista de trabajo quedaría vacía."
    ]
    assert not Campaign.objects.exists()


# --- a call started ----------------------------------------------------------------------


def test_starting_a_call_opens_the_same_case_the_campaign_page_opens(
    call, client, team, portfolio, procedures
):
    campaign = plan(team[Role.EXECUTIVE])
    web_item, api_item, _third = campaign.items.order_by("product__service_number")
    client.force_login(team[Role.EXECUTIVE])
    client.post(reverse("campaigns:call", args=[web_item.pk]))
    web_item.refresh_from_db()

    response = call(Role.EXECUTIVE, "post", f"/campaigns/calls/{api_item.pk}/start")
    assert response.status_code == 201, response.content
    started = response.json()
    api_item.refresh_from_db()
    assert started["call"]["result"] == "in_call" == api_item.result
    assert started["case"]["number"] == api_item.case.number == started["call"]["case"]

    web_case, api_case = web_item.case, api_item.case
    assert web_case is not None and api_case is not None
    for attribute in ("procedure", "channel", "status", "company_id", "description"):
        assert getattr(api_case, attribute) == getattr(web_case, attribute), attribute
    assert api_case.procedure == "J" and api_case.channel == "phone"
    assert api_case.subject == "Llamada de fidelización: INT-1002"
    assert web_case.subject == "Llamada de fidelización: INT-1001"
    assert api_case.product_id == api_item.product_id
    web_steps = [(t.bpmn_id, t.role) for t in web_case.instance.human_tasks.all()]
    api_steps = [(t.bpmn_id, t.role) for t in api_case.instance.human_tasks.all()]
    assert api_steps == web_steps == [("call_customer", Role.EXECUTIVE)]
    [task] = started["case"]["current_tasks"]
    assert task["id"] == str(api_case.instance.human_tasks.get().task_id)
    assert task["role"] == "executive"


def test_a_call_is_started_once_and_only_by_the_campaigns_executive(
    call, team, portfolio, procedures
):
    campaign = plan(team[Role.EXECUTIVE])
    item = campaign.items.first()
    lead = call(Role.TEAM_LEAD, "post", f"/campaigns/calls/{item.pk}/start")
    assert lead.status_code == 403
    assert lead.json()["detail"] == "Solo el/la ejecutivo(a) de la campaña hace sus llamadas."
    assert call(Role.EXECUTIVE, "post", f"/campaigns/calls/{item.pk}/start").status_code == 201
    again = call(Role.EXECUTIVE, "post", f"/campaigns/calls/{item.pk}/start")
    assert again.status_code == 422
    number = CampaignItem.objects.get(pk=item.pk).case.number
    assert again.json()["errors"]["__all__"] == [
        f"Este cliente ya fue llamado en el caso {number}."
    ]
    assert Case.objects.count() == 1


def test_another_executives_call_answers_as_a_missing_one(call, team, portfolio, procedures):
    theirs = plan(portfolio["other"]).items.get()
    for call_id in (theirs.pk, 999_999):
        response = call(Role.EXECUTIVE, "post", f"/campaigns/calls/{call_id}/start")
        assert response.status_code == 404
    assert not Case.objects.exists()
    assert CampaignItem.objects.get(pk=theirs.pk).result == CallResult.PENDING


def test_a_call_before_the_campaign_starts_is_refused(call, team, portfolio, procedures):
    item = plan(team[Role.EXECUTIVE], starts_on=TODAY + timedelta(days=2)).items.first()
    response = call(Role.EXECUTIVE, "post", f"/campaigns/calls/{item.pk}/start")
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"] == [
        "Las llamadas de la campaña todavía no empezaron."
    ]
    assert not Case.objects.exists()
