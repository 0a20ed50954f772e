"""The live month: a request still inside its 24 hours neither passes nor
fails yet; the verdict reads "so far"; a finished month judges everything."""

from datetime import timedelta

import pytest

from posventa.indicators.definitions import Verdict
from posventa.indicators.selectors import cases_behind, month_figures, month_report
from posventa.indicators.tests.test_definitions import (
    AFTER_NOVEMBER,
    NOVEMBER,
    company,  # noqa: F401 (fixture)
    lead,  # noqa: F401 (fixture)
    make_case,
    received,
)

pytestmark = pytest.mark.django_db

# On the 4th at 10:00: three days of November have run.
ON_THE_4TH = received(4, hour=10)


@pytest.fixture
def early_month(company):  # noqa: F811
    """Closed on the 2nd (effective, in time); answered late and closed; open
    with its 24 hours passed; two requests of this morning still inside their
    24 hours, one of them already answered."""
    return {
        "closed": make_case(company, received_at=received(1), closed_after=timedelta(hours=20)),
        "closed_late": make_case(
            company,
            received_at=received(1, hour=8),
            attended_after=timedelta(hours=30),
            closed_after=timedelta(hours=40),
        ),
        "late": make_case(company, received_at=received(2), attended_after=None, closed_after=None),
        "fresh": make_case(
            company, received_at=received(4, hour=8), attended_after=None, closed_after=None
        ),
        "fresh_answered": make_case(
            company,
            received_at=received(4, hour=7),
            attended_after=timedelta(hours=1),
            closed_after=None,
        ),
    }


def test_a_request_inside_its_24_hours_neither_passes_nor_fails_yet(lead, early_month):  # noqa: F811
    figures = month_figures(lead, NOVEMBER, now=ON_THE_4TH)
    assert figures.live
    assert (figures.total, figures.closed, figures.within_time, figures.late) == (5, 2, 2, 1)
    assert figures.judged == 3
    # Efficacy so far: 2 of the 3 judged (the closed ones); the open late one
    # fails, the two fresh ones are not counted.
    assert (figures.effective, figures.not_effective_so_far) == (2, 1)
    assert float(figures.efficacy_so_far) == pytest.approx(66.7)
    # Timeliness so far: the answered-in-time fresh one waits with the others.
    assert (figures.timely_so_far, figures.not_timely_so_far) == (1, 2)
    assert figures.efficacy_verdict_so_far == Verdict.OBSERVED
    # The figures as at the month's end, kept for the API, still count them all.
    assert (figures.timely, figures.not_timely) == (2, 3)


def test_the_live_figure_is_not_dragged_down_by_this_mornings_requests(lead, company):  # noqa: F811
    make_case(company, received_at=received(1), closed_after=timedelta(hours=20))
    for hour in (7, 8, 9):
        make_case(
            company, received_at=received(4, hour=hour), attended_after=None, closed_after=None
        )
    figures = month_figures(lead, NOVEMBER, now=ON_THE_4TH)
    assert (figures.efficacy_so_far, figures.timeliness_so_far) == (100, 100)
    assert figures.efficacy_verdict_so_far == Verdict.ACCEPTED
    assert figures.timeliness_verdict_so_far == Verdict.ACCEPTED


def test_with_every_request_inside_its_24_hours_there_is_nothing_to_judge_yet(lead, company):  # noqa: F811
    make_case(company, received_at=received(4, hour=8), attended_after=None, closed_after=None)
    figures = month_figures(lead, NOVEMBER, now=ON_THE_4TH)
    assert figures.efficacy_so_far is None
    assert figures.efficacy_verdict_so_far == Verdict.NOT_YET


def test_a_finished_month_judges_every_request_open_or_not(lead, company):  # noqa: F811
    make_case(company, received_at=received(10))
    # Received on the 30th at 20:00, still open (and inside its 24 hours) at the month's end.
    make_case(company, received_at=received(30, hour=20), attended_after=None, closed_after=None)
    figures = month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert not figures.live
    assert figures.within_time == 1  # counted, but it does not leave the figures
    assert figures.judged == figures.total == 2
    assert (figures.efficacy_so_far, figures.efficacy) == (50, 50)
    assert figures.efficacy_verdict_so_far == figures.efficacy_verdict == Verdict.OBSERVED


def test_the_split_adds_up_in_every_break_down(lead, early_month):  # noqa: F811
    report = month_report(lead, NOVEMBER, now=ON_THE_4TH)
    for rows in report.breakdowns.values():
        assert sum(f.within_time for _k, _l, f in rows) == report.figures.within_time
        assert sum(f.judged for _k, _l, f in rows) == report.figures.judged
        assert all(f.live for _k, _l, f in rows)


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        ("closed", {"closed", "closed_late"}),
        ("within_time", {"fresh", "fresh_answered"}),
        ("late", {"late"}),
        ("effective", {"closed", "closed_late"}),
        # The failures so far: not the requests still inside their 24 hours.
        ("not_effective", {"late"}),
        ("timely", {"closed"}),
        ("not_timely", {"closed_late", "late"}),
        ("all", {"closed", "closed_late", "late", "fresh", "fresh_answered"}),
    ],
)
def test_each_live_number_lists_the_cases_it_counts(lead, early_month, indicator, expected):  # noqa: F811
    names = {case.pk: name for name, case in early_month.items()}
    listed = cases_behind(lead, NOVEMBER, indicator=indicator, now=ON_THE_4TH)
    assert {names[case.pk] for case in listed} == expected


def test_each_live_list_is_as_long_as_its_number(lead, early_month):  # noqa: F811
    figures = month_figures(lead, NOVEMBER, now=ON_THE_4TH)

    def listed(indicator):
        return cases_behind(lead, NOVEMBER, indicator=indicator, now=ON_THE_4TH).count()

    assert listed("effective") == figures.effective
    assert listed("not_effective") == figures.not_effective_so_far
    assert listed("timely") == figures.timely_so_far
    assert listed("not_timely") == figures.not_timely_so_far
    assert listed("closed") == figures.closed
    assert listed("within_time") == figures.within_time
    assert listed("late") == figures.late
