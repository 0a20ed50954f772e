"""The work orders as an Excel file: the list's state filter, the roles that
see the list (the others get 403, as on the page), typed cells."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.common.tests.xlsx import assert_layout, headers, no_writes, records, sheet_of, values
from posventa.factories import CompanyFactory, ProductFactory
from posventa.workorders.exports import WORK_ORDER_COLUMNS
from posventa.workorders.models import FieldUnit, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")
LIST = reverse("workorders:list")


@pytest.fixture
def orders(team):
    manager = team[Role.TECHNICAL_MANAGER]
    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Clínica Cala Cala S.R.L.")
    product = ProductFactory(company=company, installation_address="Av. América N° 990")
    registered = workorder_create(
        kind=WorkOrderKind.INSTALLATION, company=company, product=product, user=manager
    )
    # One damage in attention per product: the assigned one is on another line.
    line = ProductFactory(company=company)
    assigned = workorder_create(
        kind=WorkOrderKind.DAMAGE, company=company, product=line, user=manager
    )
    visit = timezone.localtime(timezone.now() + timedelta(days=1), LA_PAZ).replace(
        second=0, microsecond=0
    )
    workorder_assign(
        work_order=assigned,
        unit=FieldUnit.RESOURCES,
        technician="Téc. Juan Pérez",
        scheduled_at=visit,
        user=manager,
    )
    closed = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=company,
        product=product,
        user=manager,
        address="Calle Lanza N° 12",
    )
    workorder_close(work_order=closed, state=WorkOrderState.UNFOUNDED, result="OK", user=manager)
    return {"registered": registered, "assigned": assigned, "closed": closed, "visit": visit}


def test_the_open_work_orders_download_as_the_list_shows_them(client, team, orders):
    client.force_login(team[Role.TECHNICAL_MANAGER])
    with no_writes():
        sheet = sheet_of(client.get(LIST, {"formato": "xlsx"}))
    assert headers(sheet) == [str(c.header) for c in WORK_ORDER_COLUMNS]
    assert_layout(sheet)
    rows = {r[_("Number")].value: r for r in records(sheet)}
    # Open ones only by default, the oldest first; the closed one is not listed.
    assert list(rows) == [orders["registered"].number, orders["assigned"].number]
    assigned = rows[orders["assigned"].number]
    assert assigned[_("Technician")].value == "Téc. Juan Pérez"
    assert assigned[_("Visit scheduled for")].value == orders["visit"].replace(tzinfo=None)
    assert assigned[_("Visit scheduled for")].number_format == "dd/mm/yyyy hh:mm"
    assert isinstance(assigned[_("Registered at")].value, datetime)
    assert rows[orders["registered"].number][_("Visit scheduled for")].value is None


@pytest.mark.parametrize(
    ("state", "expected"),
    [("all", ["closed", "assigned", "registered"]), ("unfounded", ["closed"])],
)
def test_the_file_keeps_the_state_filter(client, team, orders, state, expected):
    client.force_login(team[Role.TEAM_LEAD])
    sheet = sheet_of(client.get(LIST, {"formato": "xlsx", "state": state}))
    assert values(sheet, _("Number")) == [orders[name].number for name in expected]
    if state == "unfounded":
        assert values(sheet, _("Address")) == ["Calle Lanza N° 12"]


def test_a_bad_state_filters_as_the_page_does(client, team, orders):
    client.force_login(team[Role.TECHNICAL_ANALYST])
    for state in ("lost", "x" * 20000, "<b>"):
        assert client.get(LIST, {"state": state}).status_code == 200
        sheet = sheet_of(client.get(LIST, {"formato": "xlsx", "state": state}))
        assert len(records(sheet)) == 2  # the open ones, the default


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.COMMERCIAL_MANAGER])
def test_a_role_that_does_not_follow_work_orders_gets_403(client, team, orders, role):
    client.force_login(team[role])
    assert client.get(LIST, {"formato": "xlsx"}).status_code == 403


def test_the_list_links_to_its_file(client, team, orders):
    client.force_login(team[Role.TECHNICAL_MANAGER])
    page = client.get(LIST, {"state": "all", "page": "1"}).content.decode()
    assert 'href="/ordenes-de-trabajo/?state=all&amp;formato=xlsx"' in page
