"""The case list (/casos/) and its Excel file (/casos.xlsx): scoped by the
user like the inbox, each filter, the 24 hours as the badge reads them, the
sort whitelist, bad values ignored with a word, a bounded number of queries."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.cases import selectors
from posventa.cases.list_filters import CaseFilters
from posventa.cases.models import Case, CaseStatus, Outcome
from posventa.cases.selectors import ClockLevel, case_clock, cases_for, clock_level_q
from posventa.cases.tests.listing import make_case
from posventa.common.tests.xlsx import sheet_of, values
from posventa.factories import CompanyFactory, UserFactory

LIST = reverse("cases:list")
XLSX = reverse("cases:cases_xlsx")

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return {
        "ana": UserFactory(username="ana", role=Role.EXECUTIVE, first_name="Ana"),
        "beto": UserFactory(username="beto", role=Role.EXECUTIVE, first_name="Beto"),
        "lead": UserFactory(username="lead", role=Role.TEAM_LEAD),
        "manager": UserFactory(username="gestor", role=Role.TECHNICAL_MANAGER),
    }


@pytest.fixture
def cases(people):
    now = timezone.now()
    clinic = CompanyFactory(executive=people["ana"], legal_name="Clínica Cala Cala")
    hotel = CompanyFactory(executive=people["beto"], legal_name="Hotel Muyurina")
    return {
        "open": make_case(
            "PV-2026-000001",
            clinic,
            procedure="B",
            channel="email",
            received_at=now - timedelta(hours=2),
            steps=[(Role.EXECUTIVE, None)],
        ),
        "technical": make_case(
            "PV-2026-000002",
            clinic,
            procedure="E",
            channel="phone",
            received_at=now - timedelta(hours=30),
            steps=[(Role.TECHNICAL_MANAGER, people["manager"])],
        ),
        "waiting": make_case(
            "PV-2026-000003",
            hotel,
            procedure="F",
            channel="whatsapp",
            received_at=now - timedelta(hours=20),
            status=CaseStatus.WAITING_CUSTOMER,
        ),
        "closed": make_case(
            "PV-2026-000004",
            hotel,
            procedure="A",
            received_at=now - timedelta(days=3),
            attended_at=now - timedelta(days=3) + timedelta(hours=2),
            status=CaseStatus.CLOSED,
            outcome=Outcome.FULFILLED,
        ),
        "cancelled": make_case(
            "PV-2026-000005",
            clinic,
            procedure="C",
            received_at=now - timedelta(days=4),
            status=CaseStatus.CLOSED,
            outcome=Outcome.CANCELLED,
            cancelled_by=people["lead"],
            cancel_reason="Duplicado",
        ),
        "own": make_case(
            "PV-2026-000006",
            hotel,
            procedure="J",
            channel="phone",
            received_at=now - timedelta(days=1),
            requested_at=None,
            steps=[(Role.EXECUTIVE, None), (Role.COMMERCIAL_MANAGER, None)],
        ),
    }


def numbers(user, **filters) -> list[str]:
    return list(cases_for(user=user, **filters).values_list("number", flat=True))


def page_numbers(client, params=None) -> list[str]:
    response = client.get(LIST, params or {})
    assert response.status_code == 200
    return [case.number for case, _clock in response.context["rows"]]


# --- scope ----------------------------------------------------------------------------------


def test_an_executive_lists_only_her_portfolio(client, people, cases):
    client.force_login(people["ana"])
    assert sorted(page_numbers(client)) == ["PV-2026-000001", "PV-2026-000002", "PV-2026-000005"]


def test_the_team_lead_lists_every_case_the_newest_first(client, people, cases):
    client.force_login(people["lead"])
    assert page_numbers(client) == [
        "PV-2026-000001",
        "PV-2026-000003",
        "PV-2026-000006",
        "PV-2026-000002",
        "PV-2026-000004",
        "PV-2026-000005",
    ]


def test_an_executive_asking_for_another_portfolio_gets_nothing_of_it(client, people, cases):
    client.force_login(people["ana"])
    assert page_numbers(client, {"executive": people["beto"].pk}) == []
    assert page_numbers(client, {"company": cases["waiting"].company_id}) == []


def test_the_list_needs_a_login(client, cases):
    response = client.get(LIST)
    assert response.status_code == 302 and "/entrar/" in response["Location"]


# --- each filter ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "open"}, {"open", "technical", "own"}),
        ({"status": "waiting_customer"}, {"waiting"}),
        # Closed means closed by its process; a case cancelled by hand is apart.
        ({"status": "closed"}, {"closed"}),
        ({"status": "cancelled"}, {"cancelled"}),
        ({"procedure": "E"}, {"technical"}),
        ({"channel": "phone"}, {"technical", "own"}),
        ({"waiting": Role.EXECUTIVE}, {"open", "own"}),
        ({"waiting": Role.TECHNICAL_MANAGER}, {"technical"}),
        ({"waiting": Role.COMMERCIAL_MANAGER}, {"own"}),
        ({"waiting": Role.DIVISION_HEAD}, set()),
        # Open, its process running, no step pending: an answer, a timer.
        ({"waiting": "event"}, {"waiting"}),
        ({"status": "open", "procedure": "B", "channel": "email"}, {"open"}),
    ],
)
def test_each_filter_keeps_the_cases_it_names(people, cases, filters, expected):
    assert set(numbers(people["lead"], **filters)) == {cases[k].number for k in expected}


def test_the_executive_filter_keeps_her_customers_cases(people, cases):
    assert set(numbers(people["lead"], executive_id=people["beto"].pk)) == {
        cases[k].number for k in ("waiting", "closed", "own")
    }


def test_the_filters_are_read_from_the_query_string_as_the_page_offers_them(people, cases):
    filters = CaseFilters.from_query(
        {"status": "cancelled", "procedure": "C", "waiting": "event", "sort": "-customer"}
    )
    assert filters.selector_kwargs()["status"] == "cancelled"
    assert filters.ignored == ()
    assert filters.querystring() == "procedure=C&status=cancelled&waiting=event&sort=-customer"


# --- the 24 hours, as the badge says ----------------------------------------------------------


def test_the_24_hour_filter_agrees_with_the_badge_of_every_case(people, settings):
    settings.POSVENTA_ATTENTION_WARNING_HOURS = 18
    company = CompanyFactory(executive=people["ana"])
    now = timezone.now().replace(microsecond=0)
    moments = [1, 17.9, 18, 18.1, 23.9, 24, 24.1, 40]
    for index, hours in enumerate(moments):
        make_case(f"PV-2026-1000{index:02d}", company, received_at=now - timedelta(hours=hours))
    # Answered in time, answered late, answered at the very end.
    for index, (received, answered) in enumerate([(30, 29), (50, 20), (48, 24)]):
        make_case(
            f"PV-2026-2000{index:02d}",
            company,
            received_at=now - timedelta(hours=received),
            attended_at=now - timedelta(hours=answered),
        )
    make_case("PV-2026-300000", company, requested_at=None)
    with time_machine.travel(now, tick=False):
        by_badge = {}
        for case in Case.objects.all():
            clock = case_clock(case)
            by_badge.setdefault(clock.level if clock else ClockLevel.NONE, set()).add(case.number)
        for level in (ClockLevel.OK, ClockLevel.WARNING, ClockLevel.LATE, ClockLevel.DONE):
            filtered = set(
                Case.objects.filter(clock_level_q(level)).values_list("number", flat=True)
            )
            assert filtered == by_badge.get(level, set()), level
        none = set(
            Case.objects.filter(clock_level_q(ClockLevel.NONE)).values_list("number", flat=True)
        )
        assert none == {"PV-2026-300000"}
    # Every level is there: the test would catch a rule that drifted apart.
    assert set(by_badge) == {"ok", "warning", "late", "done", "none"}


def test_the_24_hour_filter_on_the_page(client, people, cases):
    client.force_login(people["lead"])
    # Cancelled unanswered after its 24 hours: late, as its badge says.
    late = {cases["technical"].number, cases["cancelled"].number}
    assert set(page_numbers(client, {"clock": "late"})) == late
    assert set(page_numbers(client, {"clock": "warning"})) == {cases["waiting"].number}
    assert set(page_numbers(client, {"clock": "none"})) == {cases["own"].number}


# --- sorting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "first", "last"),
    [
        ("number", "PV-2026-000001", "PV-2026-000006"),
        ("-number", "PV-2026-000006", "PV-2026-000001"),
        ("received", "PV-2026-000005", "PV-2026-000001"),
        ("procedure", "PV-2026-000004", "PV-2026-000006"),
        ("-procedure", "PV-2026-000006", "PV-2026-000004"),
        ("customer", "PV-2026-000001", "PV-2026-000004"),
        # The team's own work has no 24 hours: last, whichever the way.
        ("deadline", "PV-2026-000005", "PV-2026-000006"),
        ("-deadline", "PV-2026-000001", "PV-2026-000006"),
    ],
)
def test_each_sort_key_orders_the_list(client, people, cases, sort, first, last):
    client.force_login(people["lead"])
    listed = page_numbers(client, {"sort": sort})
    assert (listed[0], listed[-1]) == (first, last)


def test_the_state_sort_groups_the_states(client, people, cases):
    client.force_login(people["lead"])
    states = [Case.objects.get(number=n).status for n in page_numbers(client, {"sort": "state"})]
    assert states == sorted(states)


@pytest.mark.parametrize(
    "sort", ["company__executive__password", "-pk", "received_at", "--number", "number;drop"]
)
def test_a_sort_key_off_the_whitelist_is_ignored_with_a_word(client, people, cases, sort):
    client.force_login(people["lead"])
    response = client.get(LIST, {"sort": sort})
    assert response.status_code == 200
    assert response.context["rows"][0][0].number == "PV-2026-000001"
    assert response.context["filters"].ignored == ("sort",)
    assert _("Some filters had a value that means nothing and were not applied:") in (
        response.content.decode()
    )


# --- hostile values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"status": "lost", "procedure": "Z", "channel": "fax"},
        {"clock": "<script>alert(1)</script>", "waiting": "nobody"},
        {"executive": "1" * 40, "company": "-3", "received_from": "2026-02-30"},
        {"executive": "abc", "page": "9999999999999999999999"},
        {"procedure": "B" * 5000},
    ],
)
def test_bad_values_filter_nothing_and_never_fail(client, people, cases, params):
    client.force_login(people["lead"])
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert len(response.context["rows"]) == len(cases)
    assert "<script>alert" not in response.content.decode()
    assert client.get(XLSX, params).status_code == 200


# --- the page and its Excel file --------------------------------------------------------------


def test_the_excel_link_carries_the_filters_in_force_and_exports_what_is_shown(
    client, people, cases
):
    client.force_login(people["lead"])
    params = {"status": "open", "waiting": Role.EXECUTIVE, "sort": "number", "channel": "fax"}
    response = client.get(LIST, params)
    page = response.content.decode()
    # The ignored channel is not echoed; the others are.
    link = "/casos.xlsx?status=open&amp;waiting=executive&amp;sort=number"
    assert f'href="{link}"' in page
    shown = [c.number for c, _clock in response.context["rows"]]
    sheet = sheet_of(client.get(link.replace("&amp;", "&")))
    assert values(sheet, _("Number")) == shown == ["PV-2026-000001", "PV-2026-000006"]


def test_the_page_shows_whom_each_case_waits_for(client, people, cases):
    client.force_login(people["lead"])
    page = client.get(LIST).content.decode()
    assert str(people["manager"]) in page
    assert _("An event or a timer") in page


def test_a_page_takes_a_constant_number_of_queries(
    client, people, cases, django_assert_max_num_queries
):
    client.force_login(people["lead"])
    client.get(LIST)  # the session, the translations, warmed
    with django_assert_max_num_queries(8):
        client.get(LIST)
    company = CompanyFactory(executive=people["ana"])
    for index in range(40):
        make_case(
            f"PV-2026-4000{index:02d}",
            company,
            steps=[(Role.EXECUTIVE, None), (Role.TECHNICAL_ANALYST, people["manager"])],
        )
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"sort": "customer", "waiting": Role.EXECUTIVE})
    assert len(response.context["rows"]) == 25
    assert response.context["page"].paginator.num_pages == 2


def test_the_second_page_keeps_the_filters(client, people, cases):
    company = CompanyFactory(executive=people["ana"])
    for index in range(30):
        make_case(f"PV-2026-5000{index:02d}", company, channel="letter")
    client.force_login(people["lead"])
    page = client.get(LIST, {"channel": "letter"}).content.decode()
    assert 'href="?channel=letter&amp;page=2"' in page
    assert len(page_numbers(client, {"channel": "letter", "page": 2})) == 5


def test_the_selectors_case_list_prefetches_the_pending_steps(people, cases):
    listed = {c.number: c for c in selectors.case_list(user=people["lead"])}
    own = listed[cases["own"].number]
    assert {t.role for t in own.instance.human_tasks.all()} == {
        Role.EXECUTIVE,
        Role.COMMERCIAL_MANAGER,
    }
