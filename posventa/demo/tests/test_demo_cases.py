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


def test_two_withdrawals_wait_at_the_equipment_with_the_decoders_parts(internet_plans, media):
    from datetime import date

    from posventa.demo.cases import EQUIPMENT_RETURNS
    from posventa.engine import services as engine
    from posventa.factories import EquipmentFactory, PlanFactory, product_type

    runtime.specs.clear()
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    UserFactory(username="gestor_comercial", role=Role.COMMERCIAL_MANAGER)
    for n in range(len(PROGRESS)):
        company = CompanyFactory(executive=executive)
        ProductFactory(company=company, plan=internet_plans[n % 3], technology="fiber")
    tv = PlanFactory(code="TV-1", product_type=product_type("pay_tv"))
    for n in range(2):
        product = ProductFactory(
            company=CompanyFactory(executive=executive),
            plan=tv,
            technology="copper",
            installed_on=date(2020, 1, 1),
        )
        EquipmentFactory(product=product, serial=f"DEC-{n}", kind="decoder")

    assert load_cases()["cases"] == len(PROGRESS) + len(EQUIPMENT_RETURNS)
    at = {
        case.instance.human_tasks.get().bpmn_id: case
        for case in Case.objects.filter(procedure="H", product__plan=tv)
    }
    assert set(at) == {"check_equipment", "bill_equipment"}
    check = at["check_equipment"].instance.human_tasks.get()
    decoder = at["check_equipment"].product.equipment.get()
    assert f"parts_{decoder.pk}" in engine.task_form(check).fields
    billed = at["bill_equipment"].product.equipment.get()
    assert billed.return_condition == "incomplete"
    assert list(billed.missing_part_rows.values_list("part__code", flat=True)) == ["remote_control"]
    runtime.specs.clear()
