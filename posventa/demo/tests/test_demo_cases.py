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


def test_the_other_procedures_each_leave_a_request_at_its_first_step(internet_plans, media):
    from posventa.demo.cases import OTHER_REQUESTS

    runtime.specs.clear()
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    UserFactory(username="gestor_comercial", role=Role.COMMERCIAL_MANAGER)
    for n in range(len(PROGRESS) + len(OTHER_REQUESTS)):
        company = CompanyFactory(executive=executive)
        ProductFactory(company=company, plan=internet_plans[n % 3], technology="fiber")

    load_cases()
    others = Case.objects.exclude(procedure="B")
    # A and G are about telephone lines, which these customers do not have.
    assert sorted(others.values_list("procedure", flat=True)) == list("CDEFHL")
    for case in others:
        assert case.status == "open" and case.instance.human_tasks.count() == 1
        assert case.subject == OTHER_REQUESTS[case.procedure]
    assert len({case.company_id for case in Case.objects.all()}) == Case.objects.count()
    runtime.specs.clear()
