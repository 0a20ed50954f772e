from collections import Counter

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.demo.cases import PROGRESS, load_cases
from posventa.engine import runtime
from posventa.factories import CompanyFactory, ProductFactory, UserFactory


def test_the_demo_leaves_a_day_of_requests_at_every_step(internet_plans, media):
    runtime.specs.clear()
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    UserFactory(username="gestor_comercial", role=Role.COMMERCIAL_MANAGER)
    for n in range(len(PROGRESS)):
        company = CompanyFactory(executive=executive)
        ProductFactory(company=company, plan=internet_plans[n % 3], technology="fiber")

    assert load_cases()["cases"] == len(PROGRESS)
    outcomes = Counter((case.status, case.outcome) for case in Case.objects.all())
    assert outcomes[("closed", "fulfilled")] == PROGRESS.count(3)
    assert outcomes[("closed", "requirements_not_met")] == 1
    assert outcomes[("waiting_customer", "")] == 1
    assert outcomes[("open", "")] == PROGRESS.count(0) + PROGRESS.count(1) + PROGRESS.count(2)

    assert load_cases() == Counter()  # a second run adds nothing
    runtime.specs.clear()
