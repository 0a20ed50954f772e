"""Every click answers, in a real browser (desktop and a 390 px phone): a
double click on "Completar paso" completes the step once, its button turns
busy at once; the new-request form keeps what was typed when choosing a
procedure redraws it, offers only the procedures a customer asks for and
lists the customer's open requests."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import DocumentKind
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.engine.models import HumanTask, TaskEvent
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
    deploy_only("b_plan_change.bpmn", "e_damage.bpmn", "i_collections.bpmn")
    yield
    runtime.specs.clear()


@pytest.fixture(params=["page", "phone"])
def screen(request):
    screen = request.getfixturevalue(request.param)
    screen.set_default_timeout(30_000)  # a loaded machine: the order request's PDF takes seconds
    return screen


def open_plan_change(team, product):
    return case_open(
        company=product.company,
        procedure="B",
        channel="email",
        subject="Quiere 50 Mbps",
        product=product,
        user=team[Role.EXECUTIVE],
    )


def test_a_double_click_on_complete_step_completes_it_once(
    screen, live_server, team, customer_product, internet_plans
):
    case = open_plan_change(team, customer_product)
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[2].pk, **ALL_DOCUMENTS})
    task = pending(case)
    assert task.bpmn_id == "enter_plan_change"
    log_in(screen, team[Role.COMMERCIAL_MANAGER].username)
    screen.goto(f"/tareas/{task.task_id}/")
    screen.select_option("#id_new_plan", str(internet_plans[2].pk))
    posts = []
    screen.on(
        "request",
        lambda request: (
            posts.append(request.url)
            if request.method == "POST" and str(task.task_id) in request.url
            else None
        ),
    )
    # What the button looks like right after the first click, noted in the
    # tab's storage (the page is gone once the answer arrives).
    screen.evaluate(
        """() => document.addEventListener("submit", (event) => setTimeout(() => {
            const button = event.submitter;
            sessionStorage.setItem("seen", JSON.stringify({
                disabled: button.disabled,
                spinner: !!button.querySelector(".spinner-border"),
                busy: event.target.hasAttribute("data-busy"),
            }));
        }, 0))"""
    )
    screen.locator("main form button[type=submit]").last.dblclick()
    screen.wait_for_url("**/bandeja/")
    seen = screen.evaluate("() => JSON.parse(sessionStorage.getItem('seen'))")
    assert seen == {"disabled": True, "spinner": True, "busy": True}
    assert len(posts) == 1  # the second click sent nothing
    assert "Paso completado" in screen.content()
    case.refresh_from_db()
    assert TaskEvent.objects.filter(task_id=task.task_id, ended_at__isnull=False).count() == 1
    assert case.documents.filter(kind=DocumentKind.ORDER_REQUEST).count() == 1
    assert list(HumanTask.objects.filter(instance=case.instance).values_list("bpmn_id")) == [
        ("quality_call",)
    ]
    # The browser's back button: the step's page is asked again and answers
    # with the case, saying the step was done (a copy kept by the browser,
    # submitted again, gets the same answer from the server).
    screen.go_back()
    screen.wait_for_load_state()
    if "/tareas/" in screen.url:
        screen.locator("main form button[type=submit]").last.click()
    screen.wait_for_url(f"**/casos/{case.number}/")
    assert "Este paso ya fue completado" in screen.content()
    assert serious_violations(screen) == []


def test_the_new_request_form_keeps_what_was_typed_and_lists_open_requests(
    screen, live_server, team, customer_product, internet_plans
):
    earlier = open_plan_change(team, customer_product)
    log_in(screen, team[Role.EXECUTIVE].username)
    screen.goto(f"/clientes/{customer_product.company.pk}/casos/nuevo/")
    # The customer's open requests, each a link to its case.
    box = screen.locator("[data-open-requests]")
    assert earlier.number in box.inner_text()
    assert box.get_by_role("link", name=earlier.number).count() == 1
    # Only the procedures a customer asks for: not the team's own I, J, K.
    offered = screen.locator("#id_procedure option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "B" in offered and "E" in offered
    assert not {"I", "J", "K"} & set(offered)

    screen.select_option("#id_channel", "whatsapp")
    screen.fill("#id_subject", "Internet lento en la oficina")
    screen.select_option("#id_product", str(customer_product.pk))
    # The redraw held on its way while she goes on typing: what she typed
    # meanwhile stays once the answer is swapped in.
    held = []
    screen.route("**/casos/nuevo/?*", lambda route: held.append(route))
    screen.locator("#procedure-part").evaluate("part => { part.dataset.stale = 'yes'; }")
    screen.select_option("#id_procedure", "E")
    while not held:
        screen.wait_for_timeout(50)
    screen.fill("#id_description", "Desde el lunes, sobre todo en la tarde.")
    held[0].continue_()
    screen.locator("#procedure-part:not([data-stale])").wait_for()
    screen.unroute("**/casos/nuevo/?*")
    assert screen.input_value("#id_channel") == "whatsapp"
    assert screen.input_value("#id_subject") == "Internet lento en la oficina"
    assert screen.input_value("#id_description") == "Desde el lunes, sobre todo en la tarde."
    assert screen.input_value("#id_product") == str(customer_product.pk)
    # E is about a product: the product is marked required, with no "none" to pick.
    label = screen.locator("label[for=id_product]")
    assert label.locator(".text-danger").count() == 1
    assert screen.locator("#id_product").get_attribute("required") is not None
    assert serious_violations(screen) == []
