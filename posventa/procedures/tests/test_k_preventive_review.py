"""Procedure K, preventive technical review, walked branch by branch through
the services: the review list comes from the data; the migration is field
work — an installation work order, the product moved to fiber and the excess
cable charged once it is installed, then the copper's withdrawal order, and
the check call only after both close; the damage is registered once, by the
analyst, with her diagnosis (step 8), and procedure E, run as a call activity
inside the K case, takes it from the technical manager's prioritisation."""

from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.billing.models import Charge
from posventa.cases.models import CaseStatus, Outcome
from posventa.catalog.models import TariffCode
from posventa.catalog.selectors import tariff_get
from posventa.common.money import format_bs
from posventa.customers.models import Interaction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.models import MessageSubscription
from posventa.factories import PlanFactory, ProductFactory, product_type
from posventa.integrations.models import Coverage, DiagnosisRecord
from posventa.inventory.services import product_withdraw
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import (
    closed_damage_order,
    complete,
    instructions,
    pending,
    talk,
)
from posventa.reviews.models import ItemKind, Opportunity, OpportunityOutcome, ReviewItem
from posventa.reviews.selectors import analyst_day
from posventa.reviews.services import (
    excess_cable_quote,
    product_migrate_to_fiber,
    review_start,
    worklist_refresh,
)
from posventa.workorders.models import FieldUnit, Priority, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create

LA_PAZ = ZoneInfo("America/La_Paz")


@pytest.fixture
def procedures(db, media):
    """Only the models K needs (K and E, which it calls), deployed as
    `make run` deploys them: faster, and independent of the other models."""
    yield deploy_only("k_preventive_review.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def working_hours():
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def copper(team, internet_plans):
    """Internet on copper in a neighbourhood the fiber network reaches."""
    Coverage.objects.create(
        zone="Zona Norte",
        neighbourhood="Queru Queru",
        technology="fiber",
        spare_ports=12,
        network_node="NAP-QQ-04",
    )
    Coverage.objects.create(
        zone="Zona Norte", neighbourhood="Queru Queru", technology="copper", spare_ports=3
    )
    return ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        service_number="INT-4400100",
        technology="copper",
        installation_address="Av. América N° 1020",
        zone="Zona Norte",
        neighbourhood="Queru Queru",
    )


@pytest.fixture
def tv_plan(db):
    return PlanFactory(code="TV-EMP", name="TV empresarial", product_type=product_type("pay_tv"))


@pytest.fixture
def line_plan(db):
    return PlanFactory(
        code="FIJA-EMP", name="Línea fija empresarial", product_type=product_type("fixed_line")
    )


def item_of(product, kind, offered_type="") -> ReviewItem:
    return ReviewItem.objects.get(product=product, kind=kind, offered_type=offered_type)


def start(team, item):
    return review_start(item=item, user=team[Role.TECHNICAL_ANALYST])


def review(case, team, finding, **extra):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("review_customer", Role.TECHNICAL_ANALYST)
    complete(case, team[Role.TECHNICAL_ANALYST], {"finding": finding, **extra})


# ------------------------------------------------------------------ the list


def test_the_review_list_comes_from_the_data(team, copper, internet_plans, tv_plan, line_plan):
    on_fiber = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[0],
        technology="fiber",
        zone="Zona Norte",
        neighbourhood="Queru Queru",
    )
    far = ProductFactory(
        company=copper.company,
        plan=line_plan,
        technology="copper",
        zone="Zona Sud",
        neighbourhood="Villa Pagador",
    )
    workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=on_fiber.company,
        product=on_fiber,
        damaged_service="internet",
        cause="slow",
        description="Lento",
        user=team[Role.EXECUTIVE],
    )
    assert worklist_refresh() > 0
    items = set(ReviewItem.objects.values_list("kind", "product_id", "offered_type"))
    # Copper where the coverage table offers fiber: a migration candidate; not
    # the line in a place without fiber, nor the product already on fiber.
    assert (ItemKind.MIGRATION, copper.pk, "") in items
    assert (ItemKind.MIGRATION, far.pk, "") not in items
    assert (ItemKind.MIGRATION, on_fiber.pk, "") not in items
    assert "NAP-QQ-04" in item_of(copper, ItemKind.MIGRATION).detail
    # What the plan catalogue offers and the customer lacks: pay TV for both
    # customers, the line only for the one without it.
    assert (ItemKind.OPPORTUNITY, on_fiber.pk, "pay_tv") in items
    assert (ItemKind.OPPORTUNITY, on_fiber.pk, "fixed_line") in items
    first = copper.company.products.order_by("service_number").first()
    assert (ItemKind.OPPORTUNITY, first.pk, "pay_tv") in items
    assert (ItemKind.OPPORTUNITY, first.pk, "fixed_line") not in items
    # A recent damage: a service check.
    assert (ItemKind.SERVICE, on_fiber.pk, "") in items
    assert (ItemKind.SERVICE, copper.pk, "") not in items
    # Refreshing again adds nothing twice.
    count = ReviewItem.objects.count()
    assert worklist_refresh() == 0
    assert ReviewItem.objects.count() == count


def test_only_an_analyst_starts_a_review_and_only_once(procedures, team, copper):
    worklist_refresh()
    item = item_of(copper, ItemKind.MIGRATION)
    with pytest.raises(PermissionDenied):
        review_start(item=item, user=team[Role.EXECUTIVE])
    case = start(team, item)
    assert (case.procedure, case.product, case.company) == ("K", copper, copper.company)
    with pytest.raises(ValidationError):
        start(team, item)
    # Worked items leave the list; a refresh does not list it again meanwhile.
    worklist_refresh()
    assert ReviewItem.objects.filter(product=copper, kind=ItemKind.MIGRATION).count() == 1


# ------------------------------------------------------------------ migration


def migration_case(team, copper):
    worklist_refresh()
    case = start(team, item_of(copper, ItemKind.MIGRATION))
    review(case, team, "migration")
    return case


def accept_migration(case, team, metres="35.5"):
    """Steps 4 and 12: feasible with `metres` of excess cable; the customer accepts."""
    complete(case, team[Role.TECHNICAL_ANALYST], {"feasible": "yes", "excess_cable_metres": metres})
    complete(
        case, team[Role.EXECUTIVE], talk("Acepta migrar y pagar el cable.", offer_accepted="yes")
    )


def enter_migration(case, team, observations="Cliente acepta cable excedente"):
    """Step 15: the commercial manager enters the migration."""
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"customer_accepted_charge": "on", "migration_observations": observations},
        step="enter_migration",
        role=Role.COMMERCIAL_MANAGER,
    )


def open_order(case, kind):
    """The case's one open work order of `kind`."""
    return case.work_orders.get(kind=kind, state__in=[WorkOrderState.REGISTERED])


def waits_only_for(case, order):
    """No step in anyone's inbox: the case waits for `order` to close."""
    case.refresh_from_db()
    assert not case.instance.human_tasks.exists()
    [subscription] = MessageSubscription.objects.filter(instance=case.instance)
    assert subscription.message_name == "work_order_closed"
    assert subscription.correlation == f'{{"work_order_id": "{order.number}"}}'


def close_order(case, team, order, *, state=WorkOrderState.CLOSED_RESOLVED, result="Hecho."):
    """The technical manager assigns the order to the field unit and closes it
    on its page, as the unit reports."""
    manager = team[Role.TECHNICAL_MANAGER]
    workorder_assign(
        work_order=order,
        unit=FieldUnit.RESOURCES,
        technician="Téc. Juan Pérez",
        scheduled_at=timezone.now() + timedelta(hours=3),
        user=manager,
    )
    closing = workorder_close(work_order=order, state=state, result=result, user=manager)
    case.refresh_from_db()
    return closing


def test_a_migration_is_field_work_the_product_switches_when_the_fiber_is_installed(
    procedures, team, copper
):
    case = migration_case(team, copper)
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("verify_feasibility", Role.TECHNICAL_ANALYST)
    assert "12" in instructions(task) and "Queru Queru" in instructions(task)
    complete(case, team[Role.TECHNICAL_ANALYST], {"feasible": "yes", "excess_cable_metres": "35.5"})

    per_metre = tariff_get(TariffCode.EXCESS_CABLE_PER_METRE).amount
    expected = (per_metre * Decimal("35.5")).quantize(Decimal("0.01"))
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("send_migration_offer", Role.EXECUTIVE)
    assert f"35,5 m, {format_bs(expected)}" in instructions(task)
    complete(
        case, team[Role.EXECUTIVE], talk("Acepta migrar y pagar el cable.", offer_accepted="yes")
    )

    # 15. The commercial manager enters it; the acceptance of the charge must be noted.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("enter_migration", Role.COMMERCIAL_MANAGER)
    with pytest.raises(ValidationError):
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.COMMERCIAL_MANAGER],
            data={"migration_observations": "Migración solicitada"},
        )
    assert not case.work_orders.exists()
    enter_migration(case, team)

    # The installation work order for the fiber is issued on the case; the
    # product stays on copper and nothing is charged until it is installed.
    installation = open_order(case, WorkOrderKind.INSTALLATION)
    assert installation.product == copper and installation.company == copper.company
    assert "35,5 m" in installation.description and "Cliente acepta" in installation.description
    assert installation.created_by == team[Role.COMMERCIAL_MANAGER]
    copper.refresh_from_db()
    assert copper.technology == "copper" and not Charge.objects.exists()
    assert not case.product_changes.exists()
    waits_only_for(case, installation)

    # Installed: now, not before, the product is on fiber, the change kept
    # with the case, the excess cable on its next invoice, recorded by the
    # commercial manager who entered the migration.
    closing = close_order(case, team, installation, result="Fibra instalada, ONT en servicio.")
    assert closing.cases == [case.number]
    copper.refresh_from_db()
    assert copper.technology == "fiber"
    [change] = case.product_changes.all()
    assert (change.field, change.product) == ("technology", copper)
    charge = Charge.objects.get(product=copper)
    assert charge.amount == expected and charge.quantity == Decimal("35.5")
    assert charge.tariff.code == TariffCode.EXCESS_CABLE_PER_METRE
    assert charge.recorded_by == team[Role.COMMERCIAL_MANAGER]
    assert charge.invoice_id is None  # on the next (the month's) invoice

    # Then the copper is withdrawn by its own work order; the check call waits for it.
    withdrawal = open_order(case, WorkOrderKind.WITHDRAWAL)
    assert withdrawal.product == copper and installation.number in withdrawal.description
    waits_only_for(case, withdrawal)
    close_order(case, team, withdrawal, result="Par de cobre liberado, módem retirado.")

    # 17. Only now the executive's check call.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("verify_migration", Role.EXECUTIVE)
    text = instructions(task)
    assert installation.number in text and withdrawal.number in text and "fibra" in text
    complete(case, team[Role.EXECUTIVE], talk("Navega bien por fibra.", conform="yes"))
    assert (case.status, case.outcome, case.quality_conform) == (
        CaseStatus.CLOSED,
        "fulfilled",
        True,
    )
    assert case.attended_at is not None and case.attended_role == Role.TECHNICAL_ANALYST
    summaries = list(case.interactions.values_list("summary", flat=True))
    assert any("Acepta migrar" in s for s in summaries)
    assert any("Navega bien" in s for s in summaries)
    # The team called: nothing was received from the customer.
    assert not case.interactions.filter(direction="inbound").exists()
    assert Charge.objects.count() == 1


def test_a_migration_without_excess_cable_charges_nothing(procedures, team, copper):
    case = migration_case(team, copper)
    accept_migration(case, team, metres="0")
    complete(case, team[Role.COMMERCIAL_MANAGER], {"migration_observations": "Sin cable excedente"})
    close_order(case, team, open_order(case, WorkOrderKind.INSTALLATION))
    copper.refresh_from_db()
    assert copper.technology == "fiber" and not Charge.objects.exists()
    close_order(case, team, open_order(case, WorkOrderKind.WITHDRAWAL))
    assert pending(case).bpmn_id == "verify_migration"
    complete(case, team[Role.EXECUTIVE], talk("Funciona.", conform="yes"))


def test_a_migration_is_refused_when_the_fiber_ports_are_gone_meanwhile(procedures, team, copper):
    case = migration_case(team, copper)
    accept_migration(case, team, metres="12")
    Coverage.objects.filter(technology="fiber").update(spare_ports=0)
    task = pending(case)
    with pytest.raises(ValidationError) as error:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.COMMERCIAL_MANAGER],
            data={"customer_accepted_charge": "on", "migration_observations": "Acepta"},
        )
    assert "ya no tiene fibra" in str(error.value)
    copper.refresh_from_db()
    assert copper.technology == "copper" and not Charge.objects.exists()
    assert not case.work_orders.exists()
    assert pending(case).task_id == task.task_id


def test_an_installation_without_success_goes_back_to_the_commercial_manager_for_another_order(
    procedures, team, copper
):
    case = migration_case(team, copper)
    accept_migration(case, team)
    enter_migration(case, team)
    first = open_order(case, WorkOrderKind.INSTALLATION)
    close_order(
        case,
        team,
        first,
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result="Sin ducto libre en el edificio.",
    )
    # Not installed: the product stays on copper, nothing charged, no withdrawal.
    copper.refresh_from_db()
    assert copper.technology == "copper" and not Charge.objects.exists()
    assert not case.product_changes.exists()
    assert not case.work_orders.filter(kind=WorkOrderKind.WITHDRAWAL).exists()
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("installation_failed", Role.COMMERCIAL_MANAGER)
    assert first.number in instructions(task)
    story = engine.task_form(task).fields["install_again"].help_text
    assert first.number in story and "Sin ducto libre" in story
    complete(case, team[Role.COMMERCIAL_MANAGER], {"install_again": "yes"})

    second = open_order(case, WorkOrderKind.INSTALLATION)
    assert second.number != first.number
    waits_only_for(case, second)
    close_order(case, team, second, result="Ducto habilitado; fibra instalada.")
    copper.refresh_from_db()
    assert copper.technology == "fiber" and Charge.objects.filter(product=copper).count() == 1
    close_order(case, team, open_order(case, WorkOrderKind.WITHDRAWAL))
    assert pending(case).bpmn_id == "verify_migration"
    complete(case, team[Role.EXECUTIVE], talk("Navega bien.", conform="yes"))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_a_migration_that_cannot_be_installed_ends_with_the_customer_told_and_nothing_charged(
    procedures, team, copper
):
    case = migration_case(team, copper)
    accept_migration(case, team)
    enter_migration(case, team)
    close_order(
        case,
        team,
        open_order(case, WorkOrderKind.INSTALLATION),
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result="La acometida de fibra no llega al edificio.",
    )
    task = pending(case)
    # Giving up needs a reason for the executive and the customer.
    with pytest.raises(ValidationError) as error:
        engine.task_complete(
            task_id=task.task_id, user=team[Role.COMMERCIAL_MANAGER], data={"install_again": "no"}
        )
    assert "not_migrated_reason" in error.value.message_dict
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"install_again": "no", "not_migrated_reason": "La fibra no llega al edificio."},
    )
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("tell_not_migrated", Role.EXECUTIVE)
    assert "La fibra no llega al edificio." in instructions(task)
    complete(case, team[Role.EXECUTIVE], talk("Se informó que sigue en cobre, sin cargo."))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "not_feasible")
    copper.refresh_from_db()
    assert copper.technology == "copper" and not Charge.objects.exists()
    assert Interaction.objects.filter(case=case, summary__contains="sigue en cobre").exists()


def test_a_withdrawal_without_success_is_issued_again_and_the_check_call_waits(
    procedures, team, copper
):
    case = migration_case(team, copper)
    accept_migration(case, team)
    enter_migration(case, team)
    close_order(case, team, open_order(case, WorkOrderKind.INSTALLATION))
    first = open_order(case, WorkOrderKind.WITHDRAWAL)
    close_order(
        case,
        team,
        first,
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result="El cliente no estaba.",
    )
    # Another withdrawal order, and still no check call; the product stays on fiber.
    second = open_order(case, WorkOrderKind.WITHDRAWAL)
    assert second.number != first.number
    waits_only_for(case, second)
    copper.refresh_from_db()
    assert copper.technology == "fiber" and Charge.objects.count() == 1
    close_order(case, team, second)
    assert pending(case).bpmn_id == "verify_migration"
    complete(case, team[Role.EXECUTIVE], talk("Funciona.", conform="yes"))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_a_product_withdrawn_during_the_installation_is_not_migrated_and_the_order_still_closes(
    procedures, team, copper
):
    case = migration_case(team, copper)
    accept_migration(case, team)
    enter_migration(case, team)
    installation = open_order(case, WorkOrderKind.INSTALLATION)
    # Another case (a withdrawal, which the door only warns about) takes the product away.
    product_withdraw(product=copper, on=timezone.localdate())
    closing = close_order(case, team, installation)
    assert closing.cases == [case.number]  # the closing is not refused
    copper.refresh_from_db()
    assert (copper.technology, copper.status) == ("copper", "withdrawn")
    assert not Charge.objects.exists() and not case.product_changes.exists()
    assert not case.work_orders.filter(kind=WorkOrderKind.WITHDRAWAL).exists()
    task = pending(case)
    assert task.bpmn_id == "installation_failed"
    assert "retirado" in engine.task_form(task).fields["install_again"].help_text
    # Another installation is refused for a withdrawn product.
    with pytest.raises(ValidationError) as error:
        engine.task_complete(
            task_id=task.task_id, user=team[Role.COMMERCIAL_MANAGER], data={"install_again": "yes"}
        )
    assert "install_again" in error.value.message_dict
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"install_again": "no", "not_migrated_reason": "El producto fue retirado."},
    )
    complete(case, team[Role.EXECUTIVE], talk("Informado."), step="tell_not_migrated")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "not_feasible")


def test_the_migration_service_switches_only_an_installed_product_on_copper(
    db, team, copper, internet_plans
):
    def installation_of(product, state=None):
        order = workorder_create(
            kind=WorkOrderKind.INSTALLATION,
            company=product.company,
            product=product,
            user=team[Role.COMMERCIAL_MANAGER],
        )
        if state:
            close_order_plain(team, order, state)
        return order

    def close_order_plain(team, order, state):
        workorder_assign(
            work_order=order,
            unit=FieldUnit.RESOURCES,
            technician="Téc. Ana",
            scheduled_at=timezone.now() + timedelta(hours=1),
            user=team[Role.TECHNICAL_MANAGER],
        )
        workorder_close(
            work_order=order, state=state, result="Cerrada.", user=team[Role.TECHNICAL_MANAGER]
        )

    migrate = partial(product_migrate_to_fiber, metres="10", observations="")
    # Not before the fiber is installed: an open order, one closed without success.
    with pytest.raises(ValidationError):
        migrate(product=copper, installation=installation_of(copper))
    failed = installation_of(copper, WorkOrderState.ATTENDED_WITHOUT_SOLUTION)
    with pytest.raises(ValidationError):
        migrate(product=copper, installation=failed)
    installed = installation_of(copper, WorkOrderState.CLOSED_RESOLVED)
    # Not another product's installation, nor a product already on fiber.
    fiber = ProductFactory(company=copper.company, plan=internet_plans[0], technology="fiber")
    with pytest.raises(ValidationError):
        migrate(product=fiber, installation=installed)
    with pytest.raises(ValidationError):
        migrate(product=fiber, installation=installation_of(fiber, WorkOrderState.CLOSED_RESOLVED))
    with pytest.raises(ValidationError):
        migrate(product=copper, installation=installed, metres="-3")
    copper.refresh_from_db()
    assert copper.technology == "copper" and not Charge.objects.exists()
    # A withdrawn product does not migrate, even installed.
    copper.status = "withdrawn"
    copper.withdrawn_on = timezone.localdate()
    copper.save()
    with pytest.raises(ValidationError):
        migrate(product=copper, installation=installed)
    copper.refresh_from_db()
    assert copper.technology == "copper" and not Charge.objects.exists()


def test_the_excess_cable_is_rounded_half_up_to_cents(db):
    tariff = tariff_get(TariffCode.EXCESS_CABLE_PER_METRE)
    tariff.amount = Decimal("3.35")
    tariff.save()
    quote = excess_cable_quote("1.5")  # 5.025
    assert quote == {"metres": "1.5", "per_metre": "3.35", "amount": "5.03"}


def test_a_migration_offer_declined_is_an_answer_and_changes_nothing(procedures, team, copper):
    case = migration_case(team, copper)
    complete(case, team[Role.TECHNICAL_ANALYST], {"feasible": "yes", "excess_cable_metres": "20"})
    complete(case, team[Role.EXECUTIVE], talk("No desea pagar el cable.", offer_accepted="no"))
    # The customer was answered and chose: "declined", not "gave up".
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.DECLINED)
    assert case.instance.events.filter(bpmn_id="end_offer_declined").exists()
    copper.refresh_from_db()
    assert copper.technology == "copper" and not Charge.objects.exists()
    assert not case.work_orders.exists()
    assert Interaction.objects.filter(case=case, summary__contains="No desea pagar").exists()


def test_not_feasible_goes_on_to_check_the_internet_service(procedures, team, copper):
    case = migration_case(team, copper)
    task = pending(case)
    # Negative metres are refused with their reason; nothing moves.
    with pytest.raises(ValidationError) as error:
        bad = {"feasible": "yes", "excess_cable_metres": "-1"}
        engine.task_complete(task_id=task.task_id, user=team[Role.TECHNICAL_ANALYST], data=bad)
    assert "excess_cable_metres" in error.value.message_dict
    assert pending(case).task_id == task.task_id
    # Not feasible (say the drop cannot be reached): step 5, the service check.
    complete(case, team[Role.TECHNICAL_ANALYST], {"feasible": "no", "excess_cable_metres": "0"})
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("check_internet", Role.TECHNICAL_ANALYST)
    complete(case, team[Role.TECHNICAL_ANALYST], talk("Navega bien.", has_problems="no"))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    copper.refresh_from_db()
    assert copper.technology == "copper" and not Charge.objects.exists()


def test_feasible_is_refused_when_the_coverage_table_has_no_fiber(procedures, team, copper):
    worklist_refresh()
    item = item_of(copper, ItemKind.MIGRATION)
    Coverage.objects.filter(technology="fiber").update(spare_ports=0)
    case = start(team, item)
    review(case, team, "migration")
    task = pending(case)
    with pytest.raises(ValidationError) as error:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.TECHNICAL_ANALYST],
            data={"feasible": "yes", "excess_cable_metres": "10"},
        )
    assert "feasible" in error.value.message_dict
    assert pending(case).task_id == task.task_id


def test_only_copper_migrates(procedures, team, internet_plans):
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE], plan=internet_plans[0], technology="fiber"
    )
    item = ReviewItem.objects.create(
        kind=ItemKind.SERVICE,
        company=product.company,
        product=product,
        found_on=timezone.localdate(),
    )
    case = start(team, item)
    task = pending(case)
    with pytest.raises(ValidationError):
        engine.task_complete(
            task_id=task.task_id, user=team[Role.TECHNICAL_ANALYST], data={"finding": "migration"}
        )


# ------------------------------------------------------------------ opportunity


def opportunity_case(team, copper, tv_plan):
    worklist_refresh()
    case = start(team, item_of(copper, ItemKind.OPPORTUNITY, "pay_tv"))
    form = engine.task_form(pending(case))
    assert form.initial["finding"] == "opportunity" and form.initial["offered_type"] == "pay_tv"
    review(
        case, team, "opportunity", offered_type="pay_tv", review_note="Oficina con sala de espera"
    )
    return case


def test_an_opportunity_is_noted_for_the_executive_and_handed_to_sales(
    procedures, team, copper, tv_plan
):
    case = opportunity_case(team, copper, tv_plan)
    opportunity = Opportunity.objects.get(case=case)
    assert (opportunity.offered_type, opportunity.outcome, opportunity.noted_by) == (
        "pay_tv",
        OpportunityOutcome.PENDING,
        team[Role.TECHNICAL_ANALYST],
    )
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("send_proposal", Role.EXECUTIVE)
    assert "Oficina con sala de espera" in instructions(task)
    complete(case, team[Role.EXECUTIVE], talk("Envié planes de TV; le interesa.", wants_it="yes"))
    opportunity.refresh_from_db()
    assert opportunity.outcome == OpportunityOutcome.TO_SALES and opportunity.decided_at
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_an_opportunity_the_customer_does_not_want_ends_declined_and_noted(
    procedures, team, copper, tv_plan
):
    case = opportunity_case(team, copper, tv_plan)
    complete(case, team[Role.EXECUTIVE], talk("No le interesa por ahora.", wants_it="no"))
    assert Opportunity.objects.get(case=case).outcome == OpportunityOutcome.NOT_INTERESTED
    # The customer was answered and chose: "declined", not "gave up".
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.DECLINED)
    assert case.instance.events.filter(bpmn_id="end_not_interested").exists()
    assert Interaction.objects.filter(case=case, summary__contains="No le interesa").exists()


def test_an_opportunity_needs_the_product_to_offer(procedures, team, copper, tv_plan):
    worklist_refresh()
    case = start(team, item_of(copper, ItemKind.OPPORTUNITY, "pay_tv"))
    task = pending(case)
    with pytest.raises(ValidationError):
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.TECHNICAL_ANALYST],
            data={"finding": "opportunity", "offered_type": ""},
        )
    assert not Opportunity.objects.exists()


# ------------------------------------------------------------------ service


DIAGNOSIS = {
    "wifi_coverage": "weak",
    "devices": "9",
    "contracted_mbps": "30",
    "measured_mbps": "12.5",
    "amplifiers": "",
    "router": "misconfigured",
    "findings": "Canal wifi saturado.",
}


@pytest.fixture
def damaged(team, internet_plans):
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        technology="fiber",
        service_number="INT-7700200",
        installation_address="Calle Jordán N° 230",
    )
    closed_damage_order(team, product)
    return product


def service_case(team, product):
    worklist_refresh()
    case = start(team, item_of(product, ItemKind.SERVICE))
    review(case, team, "service")
    return case


def test_a_service_without_problems_is_noted_and_ends(procedures, team, damaged):
    case = service_case(team, damaged)
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        talk("Help Desk sin cortes; navega bien.", has_problems="no"),
        role=Role.TECHNICAL_ANALYST,
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert Interaction.objects.filter(case=case, summary__contains="Help Desk sin cortes").exists()


def test_a_problem_fixed_remotely_keeps_its_diagnosis_and_ends(procedures, team, damaged):
    case = service_case(team, damaged)
    complete(case, team[Role.TECHNICAL_ANALYST], talk("Navegación lenta.", has_problems="yes"))
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("diagnose", Role.TECHNICAL_ANALYST)
    assert engine.task_form(task).initial["contracted_mbps"] == "30.00"
    complete(case, team[Role.TECHNICAL_ANALYST], {**DIAGNOSIS, "solved_remotely": "yes"})
    record = DiagnosisRecord.objects.get(product=damaged)
    assert (record.measured_mbps, record.solved_remotely, record.analyst) == (
        Decimal("12.50"),
        True,
        team[Role.TECHNICAL_ANALYST],
    )
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        talk("Se cambió el canal wifi con el cliente.", customer_conform="yes"),
        role=Role.TECHNICAL_ANALYST,
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert not damaged.work_orders.filter(state=WorkOrderState.REGISTERED).exists()
    # The team's own review: no damage was reported, it never became a request.
    assert case.requested_at is None


def test_the_analyst_hands_the_contact_to_the_executive_and_gets_the_fix_back(
    procedures, team, damaged
):
    """Step 7.1: "si corresponde deriva ejecutivo para que se comunique con el cliente"."""
    case = service_case(team, damaged)
    complete(case, team[Role.TECHNICAL_ANALYST], talk("Navegación lenta.", has_problems="yes"))
    complete(case, team[Role.TECHNICAL_ANALYST], {**DIAGNOSIS, "solved_remotely": "yes"})
    task = pending(case)
    before = case.interactions.count()
    # Handing over needs what the executive should say.
    with pytest.raises(ValidationError) as error:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.TECHNICAL_ANALYST],
            data={"customer_conform": "executive"},
        )
    assert "contact_request" in error.value.message_dict
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "customer_conform": "executive",
            "contact_request": "Que reinicie el router a las 15:00 para la prueba.",
        },
    )
    # No interaction for the hand-over: the customer was not spoken to.
    assert case.interactions.count() == before
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("contact_customer", Role.EXECUTIVE)
    assert "reinicie el router" in instructions(task)
    complete(
        case,
        team[Role.EXECUTIVE],
        talk("El cliente reinicia el router a las 15:00.", customer_reached="yes"),
    )
    # Back to the analyst, with what the customer said.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("fix_with_customer", Role.TECHNICAL_ANALYST)
    help_text = engine.task_form(task).fields["customer_conform"].help_text
    assert "reinicia el router" in help_text
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        talk("Tras el reinicio navega a 30 Mbps.", customer_conform="yes"),
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    after = case.interactions.order_by("pk")[before:]
    assert [i.recorded_by.role for i in after] == [Role.EXECUTIVE, Role.TECHNICAL_ANALYST]


def diagnose_not_remote(case, team):
    complete(case, team[Role.TECHNICAL_ANALYST], talk("Sin servicio.", has_problems="yes"))
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            **DIAGNOSIS,
            "router": "faulty",
            "findings": "Router sin sincronía.",
            "solved_remotely": "no",
        },
    )


def enter_damage(case, team):
    """Step 8, as the analyst: the damage with her diagnosis carried in."""
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("enter_damage", Role.TECHNICAL_ANALYST)
    form = engine.task_form(task)
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "damaged_service": "internet",
            "cause": "no_service",
            "problem": form.initial["problem"],
            "address": form.initial["address"],
            "zone": form.initial["zone"],
            "neighbourhood": form.initial["neighbourhood"],
            "reference_phone": form.initial.get("reference_phone") or "70700000",
            "address_checked": "on",
            "interaction_channel": "phone",
            "interaction_summary": "Daño registrado en la revisión preventiva.",
        },
    )
    return form


def test_the_analyst_registers_the_damage_once_with_her_diagnosis_and_e_goes_to_prioritisation(
    procedures, team, damaged
):
    case = service_case(team, damaged)
    diagnose_not_remote(case, team)
    # Step 8 is the analyst's own step, her diagnosis of step 6 carried in.
    task = pending(case)
    assert (task.bpmn_id, task.role, task.lane) == (
        "enter_damage",
        Role.TECHNICAL_ANALYST,
        "Analista técnico",
    )
    assert "Router sin sincronía" in instructions(task)
    assert case.requested_at is None  # the team's own review so far
    form = enter_damage(case, team)
    assert "Router sin sincronía" in form.initial["problem"]

    order = damaged.work_orders.get(state=WorkOrderState.REGISTERED)
    assert (order.case, order.kind, order.cause) == (case, WorkOrderKind.DAMAGE, "no_service")
    assert "Router sin sincronía" in order.description
    # Registered by her: it is in her day's report to the team (in place of
    # the manual's sheet "para información del Ejecutivo(a)", who is told the
    # visit's time at step 14.2).
    assert order.created_by == team[Role.TECHNICAL_ANALYST]
    her_day = analyst_day(analyst=team[Role.TECHNICAL_ANALYST], day=timezone.localdate())
    assert [o.number for o in her_day.damages] == [order.number]
    # A damage reported: the case is now a customer's request, answered by the
    # analyst's registration.
    assert case.requested_at is not None
    assert (case.attended_at, case.attended_role) == (case.requested_at, Role.TECHNICAL_ANALYST)
    # Her one diagnosis is the order's: no second diagnosis.
    record = DiagnosisRecord.objects.get(product=damaged)
    assert (record.work_order, record.analyst) == (order, team[Role.TECHNICAL_ANALYST])

    # 9.1, 13-14: E goes straight to the technical manager's prioritisation
    # with the Operations Center — no report nor registration by the
    # executive, no second diagnosis.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("prioritise", Role.TECHNICAL_MANAGER)
    done = set(case.instance.events.values_list("bpmn_id", flat=True))
    assert {"enter_damage", "do_register_damage", "call_damage"} <= done
    assert not done & {"receive_report", "register_damage", "remote_diagnosis"}
    # Nothing was asked of the executive (E's automatic steps sit in her lane).
    user_steps = case.instance.events.filter(kind="UserTask")
    assert user_steps.filter(bpmn_id="enter_damage", lane="Analista técnico").exists()
    assert not user_steps.filter(lane="Ejecutivo(a)").exists()
    called = timezone.localtime().replace(second=0, microsecond=0)
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {
            "operations_contact": "Ing. Rosa Vargas (Centro de Operaciones)",
            "called_at": called.strftime("%Y-%m-%dT%H:%M"),
            "priority": Priority.URGENT,
            "agreement": "Cuadrilla de USM hoy por la tarde.",
        },
    )
    # The agreed priority reaches the work order, with who agreed it and when.
    order.refresh_from_db()
    assert order.priority == Priority.URGENT
    [agreed] = order.prioritisations.all()
    assert (agreed.case, agreed.priority, agreed.recorded_by) == (
        case,
        Priority.URGENT,
        team[Role.TECHNICAL_MANAGER],
    )
    assert agreed.operations_contact.startswith("Ing. Rosa Vargas")

    # 14.1-14.2: the same-day visit, the executive told.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("coordinate_visit", Role.TECHNICAL_MANAGER)
    # 9: the order goes to the field unit, USM proposed.
    assert engine.task_form(task).initial["unit"] == FieldUnit.USM
    when = timezone.localtime(timezone.now() + timedelta(hours=2))
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {
            "unit": FieldUnit.USM,
            "technician": "Téc. Luis Quiroga",
            "visit_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    order.refresh_from_db()
    assert (order.state, order.priority) == (WorkOrderState.ASSIGNED, Priority.URGENT)
    # 14.2: the visit's time, for the executive, as an interaction of the case.
    told = " ".join(case.interactions.values_list("summary", flat=True))
    assert "Téc. Luis Quiroga" in told and when.strftime("%d/%m/%Y %H:%M") in told
    # The message that ends the wait reaches E inside the K case by the
    # order's number (its correlation is kept on the called process).
    subscription = MessageSubscription.objects.get(instance=case.instance)
    assert subscription.correlation == f'{{"work_order_id": "{order.number}"}}'
    workorder_close(
        work_order=order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Se cambió el router.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    case.refresh_from_db()
    complete(case, team[Role.EXECUTIVE], talk("Funciona.", conform="yes"), step="quality_call")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.instance.events.filter(bpmn_id="end_damage_attended").exists()
    assert DiagnosisRecord.objects.filter(product=damaged).count() == 1
    assert damaged.work_orders.filter(kind=WorkOrderKind.DAMAGE, case=case).count() == 1


def test_a_customer_not_conform_after_the_remote_fix_has_the_analyst_register_the_damage(
    procedures, team, damaged
):
    case = service_case(team, damaged)
    complete(case, team[Role.TECHNICAL_ANALYST], talk("Lento.", has_problems="yes"))
    complete(case, team[Role.TECHNICAL_ANALYST], {**DIAGNOSIS, "solved_remotely": "yes"})
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        talk("Cambio de canal sin mejora.", customer_conform="no"),
    )
    enter_damage(case, team)
    assert damaged.work_orders.get(state=WorkOrderState.REGISTERED).case == case
    assert pending(case).bpmn_id == "prioritise"
    assert DiagnosisRecord.objects.filter(product=damaged).count() == 1


def test_a_review_whose_case_is_cancelled_goes_back_to_the_review_list(procedures, team, copper):
    from posventa.cases.services import case_cancel

    worklist_refresh()
    item = item_of(copper, ItemKind.MIGRATION)
    case = start(team, item)
    case_cancel(case=case, user=team[Role.TEAM_LEAD], reason="Revisión abierta por error.")
    item.refresh_from_db()
    assert item.case is None
    assert start(team, item) != case  # the analyst may review it again
