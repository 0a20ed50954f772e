"""The work orders' screens, through Django's test client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.web.context_processors import navigation
from posventa.workorders.models import FieldUnit, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create

pytestmark = pytest.mark.django_db

VIEWERS = [Role.TECHNICAL_MANAGER, Role.TECHNICAL_ANALYST, Role.TEAM_LEAD, Role.DIVISION_HEAD]
OTHERS = [Role.EXECUTIVE, Role.COMMERCIAL_MANAGER]


@pytest.fixture
def orders(team):
    manager = team[Role.TECHNICAL_MANAGER]
    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Clínica Cala Cala S.R.L.")
    product = ProductFactory(company=company, installation_address="Av. América N° 990")
    registered = workorder_create(
        kind=WorkOrderKind.INSTALLATION, company=company, product=product, user=manager
    )
    closed = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=company,
        product=product,
        user=manager,
        address="Calle Lanza N° 12",
    )
    workorder_close(work_order=closed, state=WorkOrderState.UNFOUNDED, result="OK", user=manager)
    return {"registered": registered, "closed": closed}


def url(name, work_order=None):
    return reverse(f"workorders:{name}", args=[work_order.number] if work_order else [])


def assign_data(**extra):
    when = timezone.localtime(timezone.now() + timedelta(days=1))
    return {
        "unit": FieldUnit.RESOURCES,
        "technician": "Téc. Juan Pérez",
        "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }


def test_pages_need_a_login(client, orders):
    response = client.get(url("list"))
    assert response.status_code == 302 and "/entrar/" in response["Location"]


@pytest.mark.parametrize("role", VIEWERS)
def test_the_technical_roles_and_overseers_see_the_work_orders(client, team, orders, role):
    client.force_login(team[role])
    page = client.get(url("list")).content.decode()
    assert orders["registered"].number in page  # open ones by default
    assert orders["closed"].number not in page
    page = client.get(url("detail", orders["registered"])).content.decode()
    assert "Av. América N° 990" in page and "Clínica Cala Cala S.R.L." in page
    manages = role == Role.TECHNICAL_MANAGER
    assert (url("assign", orders["registered"]) in page) == manages
    assert (url("close", orders["registered"]) in page) is False  # nobody went yet


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_are_forbidden(client, team, orders, role):
    client.force_login(team[role])
    work_order = orders["registered"]
    assert client.get(url("list")).status_code == 403
    assert client.get(url("detail", work_order)).status_code == 403
    assert client.post(url("assign", work_order), assign_data()).status_code == 403
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.REGISTERED


@pytest.mark.parametrize("role", [Role.TECHNICAL_ANALYST, Role.TEAM_LEAD, Role.DIVISION_HEAD])
def test_only_the_technical_manager_may_assign_or_close(client, team, orders, role):
    work_order = orders["registered"]
    workorder_assign(
        work_order=work_order,
        unit=FieldUnit.RESOURCES,
        technician="Téc. Juan Pérez",
        scheduled_at=timezone.now() + timedelta(days=1),
        user=team[Role.TECHNICAL_MANAGER],
    )
    client.force_login(team[role])
    assert client.post(url("assign", work_order), assign_data()).status_code == 403
    response = client.post(
        url("close", work_order), {"state": WorkOrderState.CLOSED_RESOLVED, "result": "Hecho"}
    )
    assert response.status_code == 403
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.ASSIGNED


def test_the_list_filters_by_state(client, team, orders):
    client.force_login(team[Role.TECHNICAL_MANAGER])
    page = client.get(url("list"), {"state": "unfounded"}).content.decode()
    assert orders["closed"].number in page and orders["registered"].number not in page
    page = client.get(url("list"), {"state": "all"}).content.decode()
    assert orders["closed"].number in page and orders["registered"].number in page
    # An unknown state filters nothing instead of failing.
    response = client.get(url("list"), {"state": "nope", "page": "x"})
    assert response.status_code == 200
    assert orders["registered"].number in response.content.decode()


def test_the_technical_manager_assigns_then_closes_on_the_page(client, team, orders):
    client.force_login(team[Role.TECHNICAL_MANAGER])
    work_order = orders["registered"]
    response = client.post(url("assign", work_order), assign_data())
    assert response.status_code == 302
    work_order.refresh_from_db()
    assert (work_order.state, work_order.technician) == (WorkOrderState.ASSIGNED, "Téc. Juan Pérez")

    page = client.get(url("detail", work_order)).content.decode()
    assert url("close", work_order) in page
    response = client.post(
        url("close", work_order),
        {"state": WorkOrderState.CLOSED_RESOLVED, "result": "Instalado y probado."},
        follow=True,
    )
    assert response.status_code == 200
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.CLOSED_RESOLVED
    # No process waits for an order registered by hand: the page says so.
    [message] = list(response.context["messages"])
    assert message.level_tag == "warning" and work_order.number in message.message
    assert url("close", work_order) not in response.content.decode()


def test_bad_input_comes_back_as_the_form_with_its_errors(client, team, orders):
    client.force_login(team[Role.TECHNICAL_MANAGER])
    work_order = orders["registered"]
    response = client.post(
        url("assign", work_order),
        assign_data(technician="", scheduled_at="31/02/2026 25:99", unit="nasa"),
    )
    assert response.status_code == 422 and "is-invalid" in response.content.decode()
    response = client.post(url("close", work_order), {"state": "closed_resolved", "result": "x"})
    assert response.status_code == 422  # registered: there is nothing to close it with
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.REGISTERED


def test_an_unknown_order_is_not_found(client, team, orders):
    client.force_login(team[Role.TECHNICAL_MANAGER])
    assert client.get(reverse("workorders:detail", args=["OT-1999-000001"])).status_code == 404
    response = client.post(reverse("workorders:assign", args=["NOPE"]), assign_data())
    assert response.status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_the_menu_offers_work_orders_to_who_may_see_them(rf, team, role):
    request = rf.get("/")
    request.user = team[role]
    urls = [item["url"] for item in navigation(request)["menu"]]
    assert (reverse("workorders:list") in urls) == (role in VIEWERS)


def test_the_admin_shows_work_orders_read_only(client, orders):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True, role=""))
    assert client.get(reverse("admin:workorders_workorder_changelist")).status_code == 200
    page = client.get(reverse("admin:workorders_workorder_change", args=[orders["closed"].pk]))
    assert page.status_code == 200 and orders["closed"].number in page.content.decode()
    assert client.get(reverse("admin:workorders_workorder_add")).status_code == 403


def test_the_page_shows_the_priority_agreed_and_each_call_to_the_operations_center(
    client, team, orders
):
    from posventa.workorders.models import Priority
    from posventa.workorders.services import workorder_prioritise

    manager = team[Role.TECHNICAL_MANAGER]
    work_order = orders["registered"]
    workorder_prioritise(
        work_order=work_order,
        operations_contact="Ing. Rosa Vargas",
        called_at=timezone.now(),
        priority=Priority.URGENT,
        agreement="Cuadrilla de la tarde.",
        user=manager,
    )
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(url("detail", work_order)).content.decode()
    assert 'data-testid="prioritisations"' in page
    assert "Ing. Rosa Vargas" in page and "Cuadrilla de la tarde." in page
    assert 'data-testid="work-order-priority"' in page
    listed = client.get(url("list")).content.decode()
    assert listed.count('data-testid="work-order-priority"') == 1
