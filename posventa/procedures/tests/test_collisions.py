"""Where work collides on one product: the door (one product, one change at a
time), the step that would overwrite another case's change, and what a case
page says its case changed. The table is docs/collisions.md."""

import re
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.models import Case, ProductChange
from posventa.cases.services import case_open
from posventa.engine import services as engine
from posventa.factories import CompanyFactory, PlanFactory, ProductFactory, product_type
from posventa.inventory.models import Product
from posventa.inventory.services import product_change_plan
from posventa.procedures.collisions import (
    CHECKED,
    CaseCollision,
    Decision,
    collision_rule,
    open_collisions,
)
from posventa.procedures.forms.common import PRODUCT_SEEN
from posventa.procedures.tests.steps import complete, pending

ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}
LETTERS = "ABCDEFGHIJKL"
MARKS = {"R": Decision.REFUSE, "W": Decision.WARN, "·": None}


def documented_table() -> dict[tuple[str, str], Decision | None]:
    """docs/collisions.md's matrix: (new request, open case) → decision."""
    text = (Path(settings.BASE_DIR) / "docs" / "collisions.md").read_text()
    table = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 13 and re.fullmatch(r"\*\*[A-L]\*\*", cells[0]):
            new = cells[0].strip("*")
            for open_, mark in zip(LETTERS, cells[1:], strict=True):
                table[new, open_] = MARKS[mark]
    return table


def test_the_collision_rules_are_the_documented_table():
    table = documented_table()
    assert len(table) == 144
    for (new, open_), decision in table.items():
        rule = collision_rule(new, open_)
        assert (rule.decision if rule else None) == decision, (new, open_)


@pytest.fixture
def plans(db):
    line = product_type("fixed_line")
    return [
        PlanFactory(code=code, name=name, product_type=line, monthly_price=price)
        for code, name, price in [
            ("LF-50", "Línea 50", 95),
            ("LF-100", "Línea 100", 140),
            ("LF-300", "Línea 300", 210),
        ]
    ]


@pytest.fixture
def line(team, plans):
    """A fixed line: every procedure that works on a product applies to it."""
    return ProductFactory(
        company=CompanyFactory(executive=team[Role.EXECUTIVE]),
        plan=plans[0],
        service_number="4-4250000",
    )


def open_case(team, product, procedure: str, **options) -> Case:
    return case_open(
        company=product.company,
        procedure=procedure,
        channel="phone",
        subject=f"Solicitud {procedure}",
        product=product,
        user=team[Role.EXECUTIVE],
        **options,
    )


# Every pair of the procedures the door checks, and the allowed example
# (a call detail during a plan change) with its reverse.
PAIRS = [(new, open_) for new in CHECKED for open_ in CHECKED] + [("G", "B"), ("B", "G")]


@pytest.mark.parametrize(("new", "open_"), PAIRS)
def test_a_request_on_a_product_with_an_open_case_follows_the_collision_table(
    procedures, team, line, new, open_
):
    first = open_case(team, line, open_)
    rule = collision_rule(new, open_)
    before = Case.objects.count()
    if rule is None:
        open_case(team, line, new)
        assert Case.objects.count() == before + 1
        return
    with pytest.raises(CaseCollision) as refused:
        open_case(team, line, new)
    assert Case.objects.count() == before  # nothing opened
    [collision] = refused.value.collisions
    assert collision.case == first
    assert first.number in refused.value.message()
    if rule.decision == Decision.REFUSE:
        assert refused.value.refused
        with pytest.raises(CaseCollision):  # saying one saw it does not open it
            open_case(team, line, new, acknowledge_open_cases=True)
        assert Case.objects.count() == before
    else:
        assert not refused.value.refused
        open_case(team, line, new, acknowledge_open_cases=True)
        assert Case.objects.count() == before + 1


def test_the_stop_names_who_holds_the_open_case_and_at_which_step(procedures, team, line):
    first = open_case(team, line, "B")
    engine.task_claim(task_id=pending(first).task_id, user=team[Role.EXECUTIVE])
    [collision] = open_collisions(procedure="B", product=line)
    assert collision.refused
    assert "Verifica requisitos" in collision.where()
    assert str(team[Role.EXECUTIVE].get_full_name() or team[Role.EXECUTIVE].username) in (
        collision.where()
    )


def test_a_closed_case_does_not_collide(procedures, team, line, plans):
    first = open_case(team, line, "B")
    complete(first, team[Role.EXECUTIVE], {"new_plan": plans[1].pk, **ALL_DOCUMENTS})
    complete(first, team[Role.COMMERCIAL_MANAGER], {"new_plan": plans[1].pk})
    complete(first, team[Role.EXECUTIVE], {"conform": "yes", **_talk()})
    assert first.status == "closed"
    open_case(team, line, "B")  # the second plan change opens


def test_another_product_of_the_customer_does_not_collide(procedures, team, line, plans):
    open_case(team, line, "H")
    other = ProductFactory(company=line.company, plan=plans[0], service_number="4-4250001")
    open_case(team, other, "B")


def _talk() -> dict:
    return {"interaction_channel": "phone", "interaction_summary": "Conforme."}


# --- the web door and the API door --------------------------------------------------------


def test_the_refused_request_lands_on_the_open_case(client, procedures, team, line):
    first = open_case(team, line, "H")
    client.force_login(team[Role.EXECUTIVE])
    response = client.post(
        reverse("cases:new", args=[line.company.pk]),
        {"procedure": "B", "channel": "phone", "subject": "Otro plan", "product": line.pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[first.number])
    assert first.number in response.content.decode()
    assert Case.objects.count() == 1


def test_the_form_shows_the_open_case_as_soon_as_the_product_is_chosen(
    client, procedures, team, line
):
    first = open_case(team, line, "B")
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(
        reverse("cases:new", args=[line.company.pk]), {"procedure": "A", "product": line.pk}
    ).content.decode()
    assert "data-collisions" in page and first.number in page
    assert 'name="acknowledge_open_cases"' in page  # a warning: she may go on


def test_a_warned_request_opens_only_once_the_person_says_she_saw_the_open_case(
    client, procedures, team, line
):
    open_case(team, line, "B")
    client.force_login(team[Role.EXECUTIVE])
    url = reverse("cases:new", args=[line.company.pk])
    data = {"procedure": "A", "channel": "phone", "subject": "Servicios", "product": line.pk}
    response = client.post(url, data)
    assert response.status_code == 200 and Case.objects.count() == 1
    response = client.post(url, {**data, "acknowledge_open_cases": "on"})
    assert response.status_code == 302 and Case.objects.count() == 2


@pytest.fixture
def api_client(client, team):
    from posventa.api.services import token_create

    _token, secret = token_create(user=team[Role.EXECUTIVE], name="crm")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def test_the_api_answers_409_with_the_open_case(api_client, procedures, team, line):
    first = open_case(team, line, "B")
    body = {
        "company_id": line.company.pk,
        "procedure": "A",
        "channel": "phone",
        "subject": "Servicios",
        "product_id": line.pk,
    }
    response = api_client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 409
    assert first.number in response.json()["detail"]
    response = api_client.post(
        "/api/v1/cases", {**body, "acknowledge_open_cases": True}, content_type="application/json"
    )
    assert response.status_code == 201
    body["procedure"] = "B"
    response = api_client.post(
        "/api/v1/cases", {**body, "acknowledge_open_cases": True}, content_type="application/json"
    )
    assert response.status_code == 409  # a refusal stays one


# --- no silent overwrite ------------------------------------------------------------------


def plan_change_at_its_change_step(team, product, plan) -> Case:
    case = open_case(team, product, "B")
    complete(case, team[Role.EXECUTIVE], {"new_plan": plan.pk, **ALL_DOCUMENTS})
    assert pending(case).bpmn_id == "enter_plan_change"
    return case


def services_change_at_its_change_step(team, product) -> Case:
    from posventa.catalog.models import SupplementaryService

    case = open_case(team, product, "A", acknowledge_open_cases=True)
    waiting = SupplementaryService.objects.get(code="call_waiting").pk
    complete(case, team[Role.EXECUTIVE], {"enable": [waiting], **ALL_DOCUMENTS})
    assert pending(case).bpmn_id == "enter_services"
    return case


def shown_form_data(task) -> dict:
    """What the person's browser sends back: the form as it was shown."""
    form = engine.task_form(task)
    return {PRODUCT_SEEN: form.initial[PRODUCT_SEEN]}


def test_a_change_made_after_the_form_was_shown_stops_the_step_and_changes_nothing(
    procedures, team, line, plans
):
    case = plan_change_at_its_change_step(team, line, plans[1])
    task = pending(case)
    shown = shown_form_data(task)
    # Meanwhile the product changes (another case, another system).
    product_change_plan(product=line, plan=plans[2])

    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.COMMERCIAL_MANAGER],
            data={"new_plan": plans[1].pk, **shown},
        )
    [message] = refused.value.form.non_field_errors()
    assert "Línea 300" in message  # the product as it is now
    line.refresh_from_db()
    assert line.plan == plans[2]  # nothing changed
    assert pending(case).task_id == task.task_id  # back to the person
    assert not ProductChange.objects.filter(case=case).exists()
    # She reviews (the form now carries the product as it is) and completes it.
    again = refused.value.form.data[PRODUCT_SEEN]
    engine.task_complete(
        task_id=task.task_id,
        user=team[Role.COMMERCIAL_MANAGER],
        data={"new_plan": plans[1].pk, PRODUCT_SEEN: again},
    )
    line.refresh_from_db()
    assert line.plan == plans[1]


def test_the_refusal_names_the_case_that_changed_the_product(procedures, team, line, plans):
    plan_case = plan_change_at_its_change_step(team, line, plans[1])
    services_case = services_change_at_its_change_step(team, line)
    plan_task, services_task = pending(plan_case), pending(services_case)
    plan_shown, services_shown = shown_form_data(plan_task), shown_form_data(services_task)
    engine.task_complete(
        task_id=services_task.task_id,
        user=team[Role.COMMERCIAL_MANAGER],
        data={**services_shown, "enable": _enable_waiting()},
    )
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=plan_task.task_id,
            user=team[Role.COMMERCIAL_MANAGER],
            data={"new_plan": plans[1].pk, **plan_shown},
        )
    assert services_case.number in refused.value.form.non_field_errors()[0]


def _enable_waiting() -> list[int]:
    from posventa.catalog.models import SupplementaryService

    return [SupplementaryService.objects.get(code="call_waiting").pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_people_completing_conflicting_changes_at_once_end_with_one_change_and_one_refusal(
    procedures, team, line, plans
):
    plan_case = plan_change_at_its_change_step(team, line, plans[1])
    services_case = services_change_at_its_change_step(team, line)
    steps = {
        "plan": (pending(plan_case), {"new_plan": plans[1].pk}),
        "services": (pending(services_case), {"enable": _enable_waiting()}),
    }
    shown = {name: shown_form_data(task) for name, (task, _data) in steps.items()}
    barrier = threading.Barrier(2)
    outcomes = {}

    def complete_step(name):
        task, data = steps[name]
        try:
            barrier.wait(timeout=10)
            engine.task_complete(
                task_id=task.task_id,
                user=team[Role.COMMERCIAL_MANAGER],
                data={**data, **shown[name]},
            )
            outcomes[name] = "changed"
        except engine.FormInvalid as err:
            outcomes[name] = "refused: " + " ".join(err.form.non_field_errors())
        except Exception as err:  # any other: shown by the assertion below
            outcomes[name] = f"failed: {err!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete_step, args=(n,)) for n in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["changed", "refused"], outcomes
    winner = next(n for n, o in outcomes.items() if o == "changed")
    line.refresh_from_db()
    services = set(line.enabled_services.values_list("service__code", flat=True))
    if winner == "plan":
        assert line.plan == plans[1] and "call_waiting" not in services
    else:
        assert line.plan == plans[0] and "call_waiting" in services
    assert ProductChange.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_plan_changes_opened_at_the_same_moment_open_one_case(procedures, team, line):
    barrier = threading.Barrier(2)
    outcomes = []

    def open_one():
        try:
            barrier.wait(timeout=10)
            open_case(team, Product.objects.get(pk=line.pk), "B")
            outcomes.append("opened")
        except CaseCollision:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["opened", "refused"]
    assert Case.objects.filter(product=line, procedure="B").count() == 1


# --- what this case changed -------------------------------------------------------------


def test_a_case_page_shows_what_this_case_changed_not_the_product_today(
    client, procedures, team, line, plans
):
    first = plan_change_at_its_change_step(team, line, plans[1])
    complete(first, team[Role.COMMERCIAL_MANAGER], {"new_plan": plans[1].pk})
    complete(first, team[Role.EXECUTIVE], {"conform": "yes", **_talk()})
    second = plan_change_at_its_change_step(team, line, plans[2])
    complete(second, team[Role.COMMERCIAL_MANAGER], {"new_plan": plans[2].pk})

    [change] = first.product_changes.all()
    assert (change.field, change.before, change.after) == ("plan", "Línea 50", "Línea 100")
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("cases:detail", args=[first.number])).content.decode()
    assert "Línea 50 → Línea 100" in page
    assert "Línea 300" not in page  # the product's plan today is the second case's
    assert (
        "Línea 100 → Línea 300"
        in client.get(reverse("cases:detail", args=[second.number])).content.decode()
    )
