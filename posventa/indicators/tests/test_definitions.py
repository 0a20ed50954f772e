"""Hand-built months of cases pin every rule of the indicators (docs/indicators.md)."""

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import Month, Verdict
from posventa.indicators.selectors import cases_behind, month_figures, month_report, trend
from posventa.procedures.catalog import customer_asked

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")
NOVEMBER = Month(2026, 11)
AFTER_NOVEMBER = datetime(2026, 12, 10, 9, 0, tzinfo=LA_PAZ)
_numbers = count(1)


def received(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=LA_PAZ)


ASKED = object()  # make_case's default: a customer's request when received


def make_case(
    company,
    *,
    received_at,
    requested_at=ASKED,
    attended_after=timedelta(hours=2),
    closed_after=timedelta(hours=30),
    outcome="fulfilled",
    quality_conform=True,
    procedure="B",
    channel="email",
    **extra,
):
    """A case built by hand. A customer's procedure's request reached the team
    when received; a case the team started (I, J, K) is none unless
    `requested_at` is given (a damage reported in the call). Attended and
    closed count from the request, else from the reception."""
    if requested_at is ASKED:
        requested_at = received_at if customer_asked(procedure) else None
    start = requested_at or received_at
    attended_at = start + attended_after if attended_after is not None else None
    closed_at = start + closed_after if closed_after is not None else None
    return Case.objects.create(
        number=f"PV-2026-{next(_numbers):06d}",
        company=company,
        procedure=procedure,
        channel=channel,
        subject="Solicitud",
        received_at=received_at,
        requested_at=requested_at,
        attended_at=attended_at,
        closed_at=closed_at,
        status=CaseStatus.CLOSED if closed_at else CaseStatus.OPEN,
        outcome=outcome if closed_at else "",
        quality_conform=quality_conform if closed_at else None,
        **extra,
    )


@pytest.fixture
def lead():
    return UserFactory(role=Role.TEAM_LEAD)


@pytest.fixture
def company():
    return CompanyFactory()


def figures(user, **kwargs):
    return month_figures(user, NOVEMBER, now=AFTER_NOVEMBER, **kwargs)


def test_23_59_is_in_time_and_24_00_is_not(lead, company):
    make_case(company, received_at=received(3), attended_after=timedelta(hours=23, minutes=59))
    make_case(company, received_at=received(4), attended_after=timedelta(hours=24))
    make_case(
        company, received_at=received(5), attended_after=timedelta(hours=23, minutes=59, seconds=59)
    )
    result = figures(lead)
    assert (result.total, result.timely) == (3, 2)
    late = cases_behind(lead, NOVEMBER, indicator="not_timely", now=AFTER_NOVEMBER)
    assert [c.received_at for c in late] == [received(4)]


def test_a_month_counts_the_requests_received_in_it_in_la_paz(lead, company):
    make_case(company, received_at=datetime(2026, 11, 1, 0, 0, tzinfo=LA_PAZ))
    make_case(company, received_at=datetime(2026, 11, 30, 23, 59, tzinfo=LA_PAZ))
    # 1 December 02:00 UTC is still 30 November in La Paz (UTC−4).
    make_case(company, received_at=datetime(2026, 12, 1, 2, 0, tzinfo=ZoneInfo("UTC")))
    make_case(company, received_at=datetime(2026, 10, 31, 23, 59, tzinfo=LA_PAZ))
    make_case(company, received_at=datetime(2026, 12, 1, 0, 0, tzinfo=LA_PAZ))
    assert figures(lead).total == 3


def test_open_at_the_months_end_is_neither_effective_nor_timely_and_is_counted(lead, company):
    make_case(company, received_at=received(10))
    # Received on the 30th at 20:00, attended on 1 December at 08:00 (12 h),
    # closed on the 2nd: still open when November ended.
    late = make_case(
        company,
        received_at=received(30, hour=20),
        attended_after=timedelta(hours=12),
        closed_after=timedelta(hours=40),
    )
    make_case(company, received_at=received(29), attended_after=None, closed_after=None)
    result = figures(lead)
    assert (result.total, result.effective, result.timely, result.open) == (3, 1, 1, 2)
    assert late in cases_behind(lead, NOVEMBER, indicator="open", now=AFTER_NOVEMBER)
    # Measured while November runs, on the 30th at 23:00, the same.
    running = month_figures(lead, NOVEMBER, now=received(30, hour=23))
    assert (running.total, running.effective, running.open) == (3, 1, 2)


def test_a_reiteration_within_30_days_of_the_closing_makes_the_first_not_effective(lead, company):
    first = make_case(company, received_at=received(2), procedure="E")
    closed = first.closed_at
    make_case(
        company, received_at=closed + timedelta(days=30), procedure="E", reiterates=first
    )  # on the 30th day: counts
    second = make_case(company, received_at=received(3), procedure="E")
    make_case(
        company,
        received_at=second.closed_at + timedelta(days=30, minutes=1),
        procedure="E",
        reiterates=second,
    )  # a minute too late
    result = figures(lead)
    assert (result.total, result.effective) == (2, 1)
    [not_effective] = cases_behind(lead, NOVEMBER, indicator="not_effective", now=AFTER_NOVEMBER)
    assert not_effective == first


def test_a_not_conform_quality_call_is_not_effective(lead, company):
    make_case(company, received_at=received(3), quality_conform=False)
    make_case(company, received_at=received(4), quality_conform=None)  # no call made
    make_case(company, received_at=received(5), quality_conform=True)
    assert figures(lead).effective == 2


@pytest.mark.parametrize(
    ("outcome", "effective"),
    [
        ("fulfilled", True),
        ("retained", True),
        ("refused", True),
        ("not_feasible", True),
        ("declined", True),
        ("dunning_letter", True),
        ("requirements_not_met", False),
        ("withdrawn_by_customer", False),
    ],
)
def test_effective_outcomes(lead, company, outcome, effective):
    make_case(company, received_at=received(3), outcome=outcome)
    assert figures(lead).effective == int(effective)


def test_waiting_for_the_customer_counts_unless_the_setting_excludes_it(lead, company, settings):
    make_case(
        company,
        received_at=received(3),
        attended_after=timedelta(hours=30),
        customer_wait=timedelta(hours=10),
    )
    make_case(
        company,
        received_at=received(4),
        attended_after=timedelta(hours=30),
        customer_wait=timedelta(hours=6),
    )
    settings.POSVENTA_TIMELINESS_EXCLUDES_CUSTOMER_WAIT = False
    assert figures(lead).timely == 0
    report = month_report(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert report.excludes_customer_wait is False
    settings.POSVENTA_TIMELINESS_EXCLUDES_CUSTOMER_WAIT = True
    assert figures(lead).timely == 1  # 30 − 10 = 20 h; 30 − 6 = 24 h is not
    assert month_report(lead, NOVEMBER, now=AFTER_NOVEMBER).excludes_customer_wait is True


def _month_of(company, total: int, good: int, **bad):
    for day in range(total):
        if day < good:
            make_case(company, received_at=received(1 + day % 28, hour=8))
        else:
            make_case(company, received_at=received(1 + day % 28, hour=8), **bad)


def test_exactly_98_percent_efficacy_is_accepted_and_below_is_observed(lead, company):
    _month_of(company, 50, 49, outcome="requirements_not_met")
    result = figures(lead)
    assert result.efficacy == Decimal("98.0")
    assert result.efficacy_verdict == Verdict.ACCEPTED
    make_case(company, received_at=received(20), outcome="requirements_not_met")
    result = figures(lead)
    assert result.efficacy == Decimal("96.1")
    assert result.efficacy_verdict == Verdict.OBSERVED


def test_exactly_95_percent_timeliness_is_accepted_and_below_is_observed(lead, company):
    _month_of(company, 20, 19, attended_after=timedelta(hours=25))
    result = figures(lead)
    assert (result.timeliness, result.timeliness_verdict) == (Decimal("95.0"), Verdict.ACCEPTED)
    # 94.97 % rounds to 95.0 on the page, but the verdict compares exactly.
    _month_of(company, 179, 170, attended_after=timedelta(hours=25))
    result = figures(lead)
    assert (result.total, result.timely) == (199, 189)
    assert result.timeliness == Decimal("95.0")
    assert result.timeliness_verdict == Verdict.OBSERVED


def test_a_month_without_requests_has_no_verdict(lead):
    result = figures(lead)
    assert result.efficacy is None and result.efficacy_verdict == Verdict.NO_REQUESTS


def test_an_executive_measures_her_own_portfolio_and_others_nothing(company):
    make_case(company, received_at=received(3))
    make_case(CompanyFactory(), received_at=received(3))
    assert figures(company.executive).total == 1
    assert figures(UserFactory(role=Role.TEAM_LEAD)).total == 2
    assert figures(UserFactory(role=Role.COMMERCIAL_MANAGER)).total == 0


def test_break_downs_add_up_to_the_month(lead, company):
    other = CompanyFactory()
    make_case(
        company, received_at=received(3), procedure="A", channel="phone", attended_role="executive"
    )
    make_case(
        company,
        received_at=received(4),
        procedure="B",
        attended_after=timedelta(hours=30),
        attended_role="commercial_manager",
    )
    make_case(other, received_at=received(5), procedure="B", attended_after=None, closed_after=None)
    report = month_report(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert report.figures.total == 3
    for name, rows in report.breakdowns.items():
        assert sum(f.total for _, _, f in rows) == 3, name
        assert sum(f.timely for _, _, f in rows) == report.figures.timely, name
        assert sum(f.effective for _, _, f in rows) == report.figures.effective, name
    by_procedure = {key: f for key, _, f in report.breakdowns["procedure"]}
    assert (by_procedure["B"].total, by_procedure["B"].timely, by_procedure["B"].effective) == (
        2,
        0,
        1,
    )
    labels = {key: label for key, label, _ in report.breakdowns["executive"]}
    assert labels[company.executive.pk] == company.executive.get_full_name()
    behind = cases_behind(lead, NOVEMBER, indicator="all", executive=other.executive.pk)
    assert [c.company for c in behind] == [other]
    roles = {key: label for key, label, _ in report.breakdowns["role"]}
    assert roles == {
        "": "Todavía sin respuesta",
        "commercial_manager": "Gestor(a) comercial",
        "executive": "Ejecutivo(a) de empresas",
    }
    unanswered = cases_behind(lead, NOVEMBER, role="-", now=AFTER_NOVEMBER)
    assert [c.company for c in unanswered] == [other]


def test_every_case_is_either_effective_or_not_and_timely_or_not(lead, company):
    make_case(company, received_at=received(3))
    make_case(company, received_at=received(4), attended_after=None, closed_after=None)
    make_case(company, received_at=received(5), quality_conform=False)
    for yes, no in (("effective", "not_effective"), ("timely", "not_timely")):
        both = [
            cases_behind(lead, NOVEMBER, indicator=name, now=AFTER_NOVEMBER).count()
            for name in (yes, no)
        ]
        assert sum(both) == 3, (yes, both)


@pytest.mark.parametrize(
    "now",
    [AFTER_NOVEMBER, datetime(2026, 11, 20, 9, 0, tzinfo=LA_PAZ)],
    ids=["november ended", "november running"],
)
def test_the_trend_counts_each_month_as_its_own_figures(lead, company, now):
    """One query for twelve months: each request in its own month, measured at
    that month's instant — what `month_figures` gives month by month."""
    for month in (9, 10, 11):
        make_case(company, received_at=received(3, month=month))  # effective, timely
        make_case(company, received_at=received(4, month=month), attended_after=timedelta(hours=30))
        make_case(company, received_at=received(5, month=month), quality_conform=False)
        make_case(
            company,
            received_at=received(6, month=month),
            outcome="cancelled",
            cancelled_by=lead,
            cancel_reason="Duplicada",
        )
        make_case(company, received_at=received(7, month=month), closed_after=None)
        make_case(
            company, received_at=received(8, month=month), attended_after=None, closed_after=None
        )
        make_case(company, received_at=received(28, 20, month), closed_after=timedelta(days=5))
    make_case(
        company, received_at=received(19, 20), attended_after=None, closed_after=None
    )  # still inside its 24 hours on the 20th
    series = trend(lead, NOVEMBER, now=now)
    assert len(series) == 12
    for month, figures in series:
        assert figures == month_figures(lead, month, now=now), month
    assert series[-1][1].total > 0 and series[-2][1].total > 0


def test_the_trends_ended_months_are_recounted_once_their_cache_time_is_over(
    lead, company, monkeypatch
):
    """The dashboard's twelve months cost one count, not twelve: a month that
    has ended is kept TREND_CACHE_SECONDS (five minutes); the month shown is
    counted now."""
    import time

    from posventa.indicators import selectors

    make_case(company, received_at=received(3, month=10))
    make_case(company, received_at=received(3))
    assert [f.total for _, f in trend(lead, NOVEMBER, now=AFTER_NOVEMBER)][-2:] == [1, 1]
    make_case(company, received_at=received(4, month=10))
    make_case(company, received_at=received(4))
    assert [f.total for _, f in trend(lead, NOVEMBER, now=AFTER_NOVEMBER)][-2:] == [1, 2]
    later = time.time() + selectors.TREND_CACHE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert [f.total for _, f in trend(lead, NOVEMBER, now=AFTER_NOVEMBER)][-2:] == [2, 2]


def _redis_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "posventa-test",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_the_trend_is_counted_anew_when_the_shared_cache_does_not_answer(lead, company, settings):
    """Production's cache is Redis: stopped, the dashboard still answers."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    settings.CACHES = _redis_cache(f"redis://127.0.0.1:{closed}/0")
    make_case(company, received_at=received(3, month=10))
    make_case(company, received_at=received(3))
    assert [f.total for _, f in trend(lead, NOVEMBER, now=AFTER_NOVEMBER)][-2:] == [1, 1]


def test_the_trends_ended_months_are_shared_by_every_process_through_redis(
    lead, company, settings, django_assert_num_queries
):
    import redis

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = _redis_cache(url)
    make_case(company, received_at=received(3, month=10))
    make_case(company, received_at=received(3))
    assert [f.total for _, f in trend(lead, NOVEMBER, now=AFTER_NOVEMBER)][-2:] == [1, 1]
    with django_assert_num_queries(1):  # November alone: the eleven before come from Redis
        assert [f.total for _, f in trend(lead, NOVEMBER, now=AFTER_NOVEMBER)][-2:] == [1, 1]
    redis.Redis.from_url(url).flushdb()


def test_the_trend_gives_twelve_months_oldest_first(lead, company):
    make_case(company, received_at=received(3, month=10))
    make_case(company, received_at=received(3))
    series = trend(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert [str(m) for m, _ in series][:2] == ["2025-12", "2026-01"]
    assert str(series[-1][0]) == "2026-11"
    assert [f.total for _, f in series][-2:] == [1, 1]
