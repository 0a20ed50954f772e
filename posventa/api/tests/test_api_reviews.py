"""The preventive review through the API (procedure K) as each role: the
review list with the web's filters a page at a time, its refresh, a review
started — the K case the review page opens —, the sales opportunities and
an analyst's daily report, with the web's permissions (403), scoping (404)
and Spanish refusals (422)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.factories import ProductFactory, UserFactory
from posventa.integrations.models import Coverage
from posventa.procedures.tests.fixtures import deploy_only
from posventa.reviews.models import ItemKind, Opportunity, ReviewItem
from posventa.reviews.services import opportunity_note, review_start, worklist_refresh

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")
VIEWERS = [Role.TECHNICAL_ANALYST, Role.TEAM_LEAD, Role.DIVISION_HEAD, Role.EXECUTIVE]
NOT_VIEWERS = [Role.COMMERCIAL_MANAGER, Role.TECHNICAL_MANAGER]
REFRESHERS = [Role.TECHNICAL_ANALYST, Role.TEAM_LEAD, Role.DIVISION_HEAD]


@pytest.fixture(autouse=True)
def working_day():
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def procedures(db, media):
    """Only the models K needs (K and E, which it calls)."""
    yield deploy_only("k_preventive_review.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


@pytest.fixture
def copper(team, internet_plans):
    """Three copper products where the network has fiber: two of the
    executive's customers, one of another executive's."""
    Coverage.objects.create(
        zone="Zona Norte", neighbourhood="Queru Queru", technology="fiber", spare_ports=4
    )
    other = UserFactory(role=Role.EXECUTIVE, username="otra")
    products = {
        owner: ProductFactory(
            company__executive=executive,
            company__legal_name=name,
            plan=internet_plans[0],
            technology="copper",
            zone="Zona Norte",
            neighbourhood="Queru Queru",
            service_number=number,
        )
        for owner, executive, name, number in [
            ("first", team[Role.EXECUTIVE], "Alfa S.A.", "INT-1001"),
            ("second", team[Role.EXECUTIVE], "Beta SRL", "INT-2001"),
            ("theirs", other, "Ajena S.A.", "INT-9001"),
        ]
    }
    return {**products, "other": other}


def migration(product) -> ReviewItem:
    return ReviewItem.objects.get(kind=ItemKind.MIGRATION, product=product)


# --- the list ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_the_review_list_a_page_at_a_time_for_each_role_that_sees_it(call, team, copper, role):
    worklist_refresh()
    mine = ReviewItem.objects.filter(company__executive=team[Role.EXECUTIVE]).count()
    total = mine if role == Role.EXECUTIVE else ReviewItem.objects.count()
    response = call(role, "get", "/reviews/items?limit=1")
    assert response.status_code == 200, response.content
    assert response["X-Total-Count"] == str(total) and total >= 2
    assert 'rel="next"' in response["Link"]
    assert len(response.json()) == 1
    everything = call(role, "get", f"/reviews/items?limit={total}").json()
    numbers = {item["product"] for item in everything}
    # An executive sees only her portfolio's items.
    assert ("INT-9001" in numbers) == (role != Role.EXECUTIVE)


def test_the_list_is_filtered_by_kind_and_executive(call, team, copper):
    worklist_refresh()
    migrations = call(Role.TEAM_LEAD, "get", "/reviews/items?kind=migration&limit=10").json()
    assert sorted(i["product"] for i in migrations) == ["INT-1001", "INT-2001", "INT-9001"]
    assert {i["kind"] for i in migrations} == {"migration"}
    theirs = call(
        Role.TEAM_LEAD, "get", f"/reviews/items?kind=migration&executive_id={copper['other'].pk}"
    )
    assert [i["product"] for i in theirs.json()] == ["INT-9001"]
    assert theirs["X-Total-Count"] == "1"
    # For the executive, another portfolio's executive gives what a missing one gives.
    for executive_id in (copper["other"].pk, 999_999):
        response = call(Role.EXECUTIVE, "get", f"/reviews/items?executive_id={executive_id}")
        assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("kind=upgrade", "kind", "Elija uno de: opportunity, migration, service."),
        ("executive_id=0", "executive_id", "El número debe ser al menos 1."),
        ("limit=0", "limit", "El número debe ser al menos 1."),
    ],
)
def test_bad_filters_are_refused_in_spanish(call, team, copper, query, field, message):
    response = call(Role.TECHNICAL_ANALYST, "get", f"/reviews/items?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][field] == [message]


@pytest.mark.parametrize("role", NOT_VIEWERS)
def test_a_role_that_does_not_work_the_review_list_is_refused(call, team, copper, role):
    worklist_refresh()
    item = migration(copper["first"])
    for method, path in [
        ("get", "/reviews/items"),
        ("post", "/reviews/refresh"),
        ("post", f"/reviews/items/{item.pk}/start"),
        ("get", "/reviews/opportunities"),
        ("get", "/reviews/daily-report"),
    ]:
        response = call(role, method, path)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"] == "Su rol no trabaja la lista de revisión."
    assert not Case.objects.exists()


# --- the refresh ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", REFRESHERS)
def test_the_analysts_and_who_oversees_refresh_the_list(call, team, copper, role):
    response = call(role, "post", "/reviews/refresh")
    assert response.status_code == 200, response.content
    added = response.json()["added"]
    assert added == ReviewItem.objects.count() == response.json()["pending"]
    assert ReviewItem.objects.filter(kind=ItemKind.MIGRATION).count() == 3
    # Nothing new the second time.
    assert call(role, "post", "/reviews/refresh").json()["added"] == 0


def test_an_executive_does_not_refresh_the_list(call, team, copper):
    response = call(Role.EXECUTIVE, "post", "/reviews/refresh")
    assert response.status_code == 403
    assert not ReviewItem.objects.exists()


# --- a review started ----------------------------------------------------------------------


def test_starting_a_review_opens_the_same_case_the_review_page_opens(
    call, client, team, copper, procedures
):
    worklist_refresh()
    web_item, api_item = migration(copper["first"]), migration(copper["second"])
    client.force_login(team[Role.TECHNICAL_ANALYST])
    client.post(reverse("reviews:start", args=[web_item.pk]))
    web_item.refresh_from_db()

    response = call(Role.TECHNICAL_ANALYST, "post", f"/reviews/items/{api_item.pk}/start")
    assert response.status_code == 201, response.content
    started = response.json()
    api_item.refresh_from_db()
    web_case, api_case = web_item.case, api_item.case
    assert web_case is not None and api_case is not None
    assert started == {"item": api_item.pk, "case": started["case"]}
    assert started["case"]["number"] == api_case.number
    for attribute in ("procedure", "channel", "subject", "status", "description"):
        assert getattr(api_case, attribute) == getattr(web_case, attribute), attribute
    assert (api_case.procedure, api_case.channel) == ("K", "phone")
    assert api_case.subject == "Revisión preventiva: migración a fibra"
    assert api_case.product_id == copper["second"].pk
    web_steps = [(t.bpmn_id, t.role) for t in web_case.instance.human_tasks.all()]
    api_steps = [(t.bpmn_id, t.role) for t in api_case.instance.human_tasks.all()]
    assert api_steps == web_steps and len(api_steps) == 1
    assert [t["id"] for t in started["case"]["current_tasks"]] == [
        str(api_case.instance.human_tasks.get().task_id)
    ]
    # Started items leave the list.
    listed = call(Role.TECHNICAL_ANALYST, "get", "/reviews/items?kind=migration").json()
    assert [i["product"] for i in listed] == ["INT-9001"]


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.DIVISION_HEAD, Role.EXECUTIVE])
def test_only_a_technical_analyst_starts_a_review(call, team, copper, procedures, role):
    worklist_refresh()
    item = migration(copper["first"])
    response = call(role, "post", f"/reviews/items/{item.pk}/start")
    assert response.status_code == 403
    assert response.json()["detail"] == "Solo un(a) analista técnico trabaja la lista de revisión."
    assert not Case.objects.exists()


def test_a_review_is_started_once(call, team, copper, procedures):
    worklist_refresh()
    item = migration(copper["first"])
    assert (
        call(Role.TECHNICAL_ANALYST, "post", f"/reviews/items/{item.pk}/start").status_code == 201
    )
    again = call(Role.TECHNICAL_ANALYST, "post", f"/reviews/items/{item.pk}/start")
    assert again.status_code == 422
    number = ReviewItem.objects.get(pk=item.pk).case.number
    assert again.json()["errors"]["__all__"] == [
        f"Este ítem ya se está revisando en el caso {number}."
    ]
    assert Case.objects.count() == 1


def test_another_portfolios_or_a_missing_item_answers_as_missing(call, team, copper, procedures):
    worklist_refresh()
    theirs = migration(copper["theirs"])
    for item_id in (theirs.pk, 999_999):
        response = call(Role.EXECUTIVE, "post", f"/reviews/items/{item_id}/start")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "No encontrado."}
    assert not Case.objects.exists()


# --- the opportunities ---------------------------------------------------------------------


def test_the_opportunities_of_the_portfolios_one_sees_a_page_at_a_time(
    call, team, copper, procedures
):
    worklist_refresh()
    analyst = team[Role.TECHNICAL_ANALYST]
    for owner in ("first", "second", "theirs"):
        case = review_start(item=migration(copper[owner]), user=analyst)
        opportunity_note(case=case, offered_type="pay_tv", note=f"TV para {owner}", user=analyst)
    lead = call(Role.TEAM_LEAD, "get", "/reviews/opportunities?limit=2")
    assert lead.status_code == 200
    assert lead["X-Total-Count"] == "3" and len(lead.json()) == 2
    mine = call(Role.EXECUTIVE, "get", "/reviews/opportunities").json()
    assert sorted(o["note"] for o in mine) == ["TV para first", "TV para second"]
    assert {o["outcome"] for o in mine} == {"pending"}
    decided = call(Role.EXECUTIVE, "get", "/reviews/opportunities?outcome=to_sales")
    assert decided.json() == [] and decided["X-Total-Count"] == "0"
    assert Opportunity.objects.count() == 3


# --- the daily report ----------------------------------------------------------------------


def test_an_analyst_reads_her_own_day_and_not_another_analysts(call, team, copper, procedures):
    analyst = team[Role.TECHNICAL_ANALYST]
    worklist_refresh()
    case = review_start(item=migration(copper["first"]), user=analyst)
    [task] = case.instance.human_tasks.all()
    engine.task_complete(task_id=task.task_id, user=analyst, data={"finding": "service"})
    colleague = UserFactory(role=Role.TECHNICAL_ANALYST, username="colega")

    own = call(Role.TECHNICAL_ANALYST, "get", "/reviews/daily-report")
    assert own.status_code == 200, own.content
    report = own.json()
    assert (report["analyst_id"], report["day"]) == (analyst.pk, "2026-11-25")
    assert [c["number"] for c in report["cases"]] == [case.number]
    assert report["cases"][0]["procedure"] == "K" and report["sent_at"] is None
    assert (report["diagnoses"], report["visits"], report["damages"]) == ([], [], [])

    other = call(Role.TECHNICAL_ANALYST, "get", f"/reviews/daily-report?analyst_id={colleague.pk}")
    assert other.status_code == 404


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.DIVISION_HEAD])
def test_who_oversees_reads_any_analysts_day(call, team, copper, procedures, role):
    analyst = team[Role.TECHNICAL_ANALYST]
    worklist_refresh()
    case = review_start(item=migration(copper["first"]), user=analyst)
    [task] = case.instance.human_tasks.all()
    engine.task_complete(task_id=task.task_id, user=analyst, data={"finding": "service"})
    response = call(role, "get", f"/reviews/daily-report?analyst_id={analyst.pk}&day=2026-11-25")
    assert response.status_code == 200
    assert [c["number"] for c in response.json()["cases"]] == [case.number]
    yesterday = call(role, "get", f"/reviews/daily-report?analyst_id={analyst.pk}&day=2026-11-24")
    assert yesterday.json()["cases"] == []
    # Not an analyst (the executive), or nobody: as missing.
    for analyst_id in (team[Role.EXECUTIVE].pk, 999_999):
        missing = call(role, "get", f"/reviews/daily-report?analyst_id={analyst_id}")
        assert missing.status_code == 404


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-11-26", "Un día futuro todavía no tiene informe."),
        ("1999-01-01", "El año debe estar entre 2000 y 2100."),
        ("25/11/2026", None),
    ],
)
def test_a_bad_day_is_refused_in_spanish(call, team, day, message):
    response = call(Role.TECHNICAL_ANALYST, "get", f"/reviews/daily-report?day={day}")
    assert response.status_code == 422
    [got] = response.json()["errors"]["day"]
    assert got == message if message else got.startswith("Indique")


def test_an_executive_does_not_read_daily_reports(call, team):
    assert call(Role.EXECUTIVE, "get", "/reviews/daily-report").status_code == 403
