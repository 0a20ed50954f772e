from collections import Counter
from itertools import pairwise

from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.demo.history import MONTHS, REQUESTS_PER_MONTH, load_history
from posventa.engine.models import TaskEvent
from posventa.factories import CompanyFactory, ProductFactory
from posventa.indicators.definitions import Month


def test_six_past_months_of_finished_requests_with_believable_times(
    procedures, team, internet_plans
):
    for n in range(6):
        company = CompanyFactory(executive=team[Role.EXECUTIVE])
        ProductFactory(company=company, plan=internet_plans[n % 3], technology="fiber")

    assert load_history()["history"] == MONTHS * REQUESTS_PER_MONTH
    this_month = Month.of(timezone.now())
    months = Counter(Month.of(case.received_at) for case in Case.objects.all())
    assert this_month not in months and len(months) == MONTHS
    for case in Case.objects.all():
        assert case.status == "closed"
        assert case.received_at < case.attended_at <= case.closed_at < this_month.starts_at
        assert case.attended_role in (Role.COMMERCIAL_MANAGER, Role.EXECUTIVE)
        times = list(
            TaskEvent.objects.filter(instance=case.instance)
            .order_by("started_at", "pk")
            .values_list("started_at", "ended_at")
        )
        assert times[0][0] == case.received_at and times[-1][1] == case.closed_at
        assert all(a[1] <= b[0] for a, b in pairwise(times))

    assert load_history() == Counter()  # a second run adds nothing
