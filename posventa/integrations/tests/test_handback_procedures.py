"""Each procedure's change produces exactly one entry for the commercial
system, of the right kind and with the right payload, written by the real
procedure path (the procedure tests' helpers walk each case as people do)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.billing.models import Charge
from posventa.billing.services import charge_add
from posventa.catalog.models import TariffCode
from posventa.catalog.selectors import tariff_get
from posventa.customers.models import Interaction
from posventa.customers.services import interaction_record
from posventa.engine import runtime
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    EquipmentFactory,
    SuspensionFactory,
)
from posventa.integrations.models import ChangeKind, ChangeState, CommercialChange
from posventa.integrations.tests.test_handback_delivery import deliver
from posventa.inventory.models import Product, ProductStatus
from posventa.inventory.services import product_suspend
from posventa.procedures.tests import test_a_supplementary_services as a_tests
from posventa.procedures.tests import test_b_plan_change as b_tests
from posventa.procedures.tests import test_c_relocation as c_tests
from posventa.procedures.tests import test_d_suspension as d_tests
from posventa.procedures.tests import test_h_withdrawal as h_tests
from posventa.procedures.tests import test_k_preventive_review as k_tests
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending, talk
from posventa.workorders.models import WorkOrderKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def deploy(db, media):
    """Deploy only the models a test walks (as `make run` deploys them)."""
    yield deploy_only
    runtime.specs.clear()


def entries(kind: str, **filters) -> list[CommercialChange]:
    return list(CommercialChange.objects.filter(kind=kind, **filters).order_by("pk"))


def base(case, product) -> dict:
    """What every change of a product names."""
    company = product.company
    return {
        "case": case.number,
        "nit": company.nit,
        "company": company.legal_name,
        "service_number": product.service_number,
        "plan": product.plan.code,
        "plan_name": product.plan.name,
    }


def assert_every_interaction_handed_back(case) -> None:
    """Each interaction of the case is one INTERACTION entry, by its key."""
    keys = {f"interaction:{pk}" for pk in case.interactions.values_list("pk", flat=True)}
    handed = set(
        CommercialChange.objects.filter(
            kind=ChangeKind.INTERACTION, idempotency_key__startswith="interaction:"
        ).values_list("idempotency_key", flat=True)
    )
    assert keys and keys <= handed


# --- B: plan change ---


def test_a_plan_change_hands_back_one_plan_change_with_the_old_and_new_plan(
    deploy, team, customer_product, internet_plans
):
    deploy("b_plan_change.bpmn")
    old, new = internet_plans[0], internet_plans[2]
    case = b_tests.open_b_case(team, customer_product)
    complete(case, team[Role.EXECUTIVE], {"new_plan": new.pk, **b_tests.ALL_DOCUMENTS})
    assert not entries(ChangeKind.PLAN_CHANGE)  # not before the commercial manager enters it
    complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": new.pk})
    complete(case, team[Role.EXECUTIVE], talk("Conforme con la nueva velocidad.", conform="yes"))

    [change] = entries(ChangeKind.PLAN_CHANGE)
    customer_product.refresh_from_db()
    assert (change.case, change.company, change.product) == (
        case,
        customer_product.company,
        customer_product,
    )
    assert change.state == ChangeState.PENDING and change.next_attempt_at is not None
    assert change.idempotency_key == f"plan_change:product:{customer_product.pk}:case:{case.pk}"
    assert change.payload == {
        **base(case, customer_product),
        "old_plan": "INT-10",
        "old_plan_name": "Internet 10 Mbps",
        "old_monthly_price": "250.00",
        "new_plan": "INT-50",
        "new_plan_name": "Internet 50 Mbps",
        "new_monthly_price": "520.00",
        "effective_on": timezone.localdate().isoformat(),
    }
    assert change.payload["plan"] == new.code != old.code
    assert_every_interaction_handed_back(case)


# --- A: supplementary services ---


def test_supplementary_services_hand_back_one_entry_on_one_off_and_their_fee_as_a_charge(
    deploy, team, line
):
    deploy("a_supplementary_services.bpmn")
    case = a_tests.open_a_case(team, line)
    complete(case, team[Role.EXECUTIVE], a_tests.change(**a_tests.ALL_DOCUMENTS))
    complete(case, team[Role.COMMERCIAL_MANAGER], a_tests.change())

    [on] = entries(ChangeKind.SERVICE_ON)
    [off] = entries(ChangeKind.SERVICE_OFF)
    today = timezone.localdate().isoformat()
    assert on.payload == {
        **base(case, line),
        "services": ["call_waiting", "centrex"],
        "service_names": ["Llamada en espera", "Centrex"],
        "effective_on": today,
    }
    assert off.payload == {
        **base(case, line),
        "services": ["caller_id"],
        "service_names": ["Identificador de llamadas"],
        "effective_on": today,
    }
    assert on.case == off.case == case
    # The fee of A 5.1, charged in the step: one charge, with the case at hand.
    [fee] = entries(ChangeKind.CHARGE)
    charge = Charge.objects.get(product=line)
    assert (fee.case, fee.product, fee.idempotency_key) == (case, line, f"charge:{charge.pk}")
    assert fee.payload == {
        **base(case, line),
        "concept": charge.concept,
        "tariff": "supplementary_service",
        "quantity": "2.00",
        "amount": "40.00",
    }


# --- C: relocation ---


def test_a_relocation_on_the_same_technology_hands_back_one_relocation_and_its_fee(
    deploy, team, copper_internet
):
    deploy("c_relocation.bpmn")
    product = copper_internet
    case = c_tests.open_a_case(team, product)
    c_tests.receive(case, team)
    c_tests.check(case, team, "copper")
    entry = pending(case)
    assert entry.bpmn_id == "enter_relocation"
    complete(case, team[Role.COMMERCIAL_MANAGER], c_tests.NEW_PLACE)

    [change] = entries(ChangeKind.RELOCATION)
    assert change.case == case and change.product == product
    assert change.payload == {
        **base(case, product),
        "technology": "copper",
        "old_address": "Calle España N° 345",
        "address": "Av. Santa Cruz N° 1280, piso 3",
        "zone": "Zona Norte",
        "neighbourhood": "Queru Queru",
        "effective_on": timezone.localdate().isoformat(),
    }
    [fee] = entries(ChangeKind.CHARGE)
    assert (fee.case, fee.payload["tariff"], fee.payload["amount"]) == (
        case,
        TariffCode.RELOCATION,
        "150.00",
    )
    assert not entries(ChangeKind.TECHNOLOGY) and not entries(ChangeKind.WITHDRAWAL)


def test_a_relocation_to_fiber_hands_back_the_withdrawal_the_new_product_and_the_modem(
    deploy, team, copper_internet
):
    deploy("c_relocation.bpmn")
    old = copper_internet
    modem = old.equipment.get()
    case = c_tests.open_a_case(team, old)
    told = c_tests.up_to_the_equipment_return(case, team)
    assert told.bpmn_id == "tell_equipment_return"
    new = Product.objects.get(service_number="FO-7781200")
    today = timezone.localdate().isoformat()

    [withdrawal] = entries(ChangeKind.WITHDRAWAL)
    assert withdrawal.product == old and withdrawal.case == case
    assert withdrawal.payload == {
        **base(case, old),
        "withdrawn_on": today,
        "reason": "Traslado con cambio de tecnología",
        "final_invoice_amount": "",
    }
    [technology] = entries(ChangeKind.TECHNOLOGY)
    assert technology.product == new
    assert technology.payload == {
        **base(case, new),
        "old_service_number": "INT-4451200",
        "old_technology": "copper",
        "technology": "fiber",
        "address": "Av. Santa Cruz N° 1280, piso 3",
        "zone": "Zona Norte",
        "neighbourhood": "Queru Queru",
        "effective_on": today,
    }

    complete(
        case,
        team[Role.EXECUTIVE],
        c_tests.return_data(modem, condition="incomplete", parts=["power_supply"]),
    )
    [received] = entries(ChangeKind.EQUIPMENT_RECEIVED)
    assert received.product == old and received.case == case
    assert received.payload == {
        **base(case, old),
        "serial": "MDM-0001",
        "equipment": "modem",
        "condition": "incomplete",
        "missing_parts": ["power_supply"],
        "returned_on": today,
        "note": "",
    }
    # The fee and the missing part, both on the new product: two charges.
    assert sorted(c.payload["amount"] for c in entries(ChangeKind.CHARGE)) == ["150.00", "45.00"]
    assert {c.product for c in entries(ChangeKind.CHARGE)} == {new}
    assert len(entries(ChangeKind.WITHDRAWAL)) == len(entries(ChangeKind.TECHNOLOGY)) == 1


# --- D: suspension and reconnection ---

LA_PAZ = ZoneInfo("America/La_Paz")
D_NOW = datetime(2026, 3, 2, 10, 0, tzinfo=LA_PAZ)


def test_a_suspension_hands_back_its_dates_once_and_its_automatic_end_adds_nothing(
    deploy, team, customer_product
):
    deploy("d_suspension.bpmn", "reconnection.dmn")
    with time_machine.travel(D_NOW, tick=True):
        case = d_tests.open_d_case(team, customer_product)
        d_tests.suspend(case, team, date(2026, 3, 2), date(2026, 6, 30))
        d_tests.quality_call(case, team)
    [change] = entries(ChangeKind.SUSPENSION)
    suspension = customer_product.suspensions.get()
    assert (change.case, change.idempotency_key) == (case, f"suspension:{suspension.pk}")
    assert change.payload == {
        **base(case, customer_product),
        "starts_on": "2026-03-02",
        "ends_on": "2026-06-30",
        "reconnects_on": "2026-07-01",
    }
    # The day after its end the dates process reconnects the product: the
    # commercial system had that date already.
    with time_machine.travel(datetime(2026, 7, 1, 0, 5, tzinfo=LA_PAZ)):
        from posventa.engine.services import timers_advance

        timers_advance()
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.ACTIVE
    assert len(entries(ChangeKind.SUSPENSION)) == 1 and not entries(ChangeKind.RECONNECTION)
    # What the timers recorded on the case went back as interactions, with the case.
    assert_every_interaction_handed_back(case)


def test_a_reconnection_on_request_hands_back_its_new_date_once(deploy, team, customer_product):
    deploy("d_suspension.bpmn", "reconnection.dmn")
    with time_machine.travel(D_NOW, tick=True):
        suspension = SuspensionFactory(
            product=customer_product, starts_on=date(2026, 2, 1), ends_on=date(2026, 5, 31)
        )
        product_suspend(product=customer_product, on=suspension.starts_on)
        case = d_tests.open_d_case(team, customer_product)
        complete(case, team[Role.EXECUTIVE], d_tests.reconnection_request(date(2026, 3, 9)))
        complete(case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": "2026-03-09"})
    [change] = entries(ChangeKind.RECONNECTION)
    assert change.case == case and change.product == customer_product
    assert change.payload == {
        **base(case, customer_product),
        "starts_on": "2026-02-01",
        "ends_on": "2026-05-31",
        "reconnects_on": "2026-03-09",
    }
    # The day comes: the product is reconnected, and nothing more is queued.
    with time_machine.travel(datetime(2026, 3, 9, 0, 5, tzinfo=LA_PAZ)):
        from posventa.engine.services import timers_advance

        timers_advance()
    suspension.refresh_from_db()
    assert suspension.reconnected_on == date(2026, 3, 9)
    assert len(entries(ChangeKind.RECONNECTION)) == 1 and not entries(ChangeKind.SUSPENSION)


# --- H: withdrawal ---


def test_a_withdrawal_hands_back_each_device_received_and_the_withdrawal_with_its_final_invoice(
    deploy, team, customer_product
):
    deploy("h_withdrawal.bpmn")
    EquipmentFactory(product=customer_product, serial="RTR-0001", kind="router")
    EquipmentFactory(product=customer_product, serial="ONT-0001", kind="ont")
    case = h_tests.open_h_case(team, customer_product)
    h_tests.leave_with_requirements(case, team)
    h_tests.manager_enters(case, team)
    h_tests.check_all(case, team, customer_product)
    received = entries(ChangeKind.EQUIPMENT_RECEIVED)
    assert sorted(e.payload["serial"] for e in received) == ["ONT-0001", "RTR-0001"]
    today = timezone.localdate().isoformat()
    for entry in received:
        assert entry.case == case and entry.product == customer_product
        assert entry.payload["condition"] == "complete" and entry.payload["returned_on"] == today
        assert entry.payload["missing_parts"] == []
    assert not entries(ChangeKind.WITHDRAWAL)  # entered at the end, with the final invoice

    h_tests.finish(case, team)
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.WITHDRAWN
    invoice = customer_product.invoices.get()
    [withdrawal] = entries(ChangeKind.WITHDRAWAL)
    assert withdrawal.idempotency_key == f"withdrawal:product:{customer_product.pk}"
    assert withdrawal.payload == {
        **base(case, customer_product),
        "withdrawn_on": customer_product.withdrawn_on.isoformat(),
        "reason": "Retiro a solicitud del cliente",
        "final_invoice_amount": f"{invoice.amount:.2f}",
    }
    assert len(entries(ChangeKind.EQUIPMENT_RECEIVED)) == 2  # nothing again at the end


# --- K: migration to fiber ---


def test_a_migration_to_fiber_hands_back_one_technology_change_when_the_fiber_is_installed(
    deploy, team, copper
):
    deploy("k_preventive_review.bpmn", "e_damage.bpmn")
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        case = k_tests.migration_case(team, copper)
        k_tests.accept_migration(case, team, metres="10")
        k_tests.enter_migration(case, team)
        assert not entries(ChangeKind.TECHNOLOGY)  # entered, not installed yet
        installation = k_tests.open_order(case, WorkOrderKind.INSTALLATION)
        k_tests.close_order(case, team, installation)
    [change] = entries(ChangeKind.TECHNOLOGY)
    assert change.case == case and change.product == copper
    assert change.payload == {
        **base(case, copper),
        "old_service_number": "INT-4400100",
        "old_technology": "copper",
        "technology": "fiber",
        "address": "Av. América N° 1020",
        "zone": "Zona Norte",
        "neighbourhood": "Queru Queru",
        "effective_on": "2026-11-25",
    }
    # The excess cable, charged when a message (the order closed) moved the
    # process: the charge still names its case.
    [cable] = entries(ChangeKind.CHARGE)
    assert (cable.case, cable.payload["tariff"], cable.payload["quantity"]) == (
        case,
        TariffCode.EXCESS_CABLE_PER_METRE,
        "10.00",
    )


# --- Every charge, every interaction ---


def test_every_charge_is_handed_back_once_with_its_amount_as_text(team, customer_product):
    tariff = tariff_get(TariffCode.RELOCATION)
    first = charge_add(product=customer_product, concept="Ajuste", amount="12.5")
    second = charge_add(product=customer_product, concept="Traslado", tariff=tariff, quantity=2)
    changes = entries(ChangeKind.CHARGE)
    assert [c.idempotency_key for c in changes] == [f"charge:{first.pk}", f"charge:{second.pk}"]
    assert changes[0].payload == {
        "case": "",  # outside a case's process: no case
        "nit": customer_product.company.nit,
        "company": customer_product.company.legal_name,
        "service_number": customer_product.service_number,
        "plan": customer_product.plan.code,
        "plan_name": customer_product.plan.name,
        "concept": "Ajuste",
        "tariff": "",
        "quantity": "1.00",
        "amount": "12.50",
    }
    assert changes[0].case is None
    assert (changes[1].payload["tariff"], changes[1].payload["quantity"]) == ("relocation", "2.00")
    assert changes[1].payload["amount"] == f"{tariff.amount * 2:.2f}"


def test_a_refused_charge_queues_nothing(customer_product):
    with pytest.raises(Exception):  # noqa: B017 — ValidationError, and nothing written
        charge_add(product=customer_product, concept="Nada", amount="0")
    assert not CommercialChange.objects.exists()


def test_every_interaction_is_handed_back_once_with_its_contact_channel_and_summary(team):
    executive = team[Role.EXECUTIVE]
    company = CompanyFactory(executive=executive)
    contact = ContactFactory(company=company, name="Lic. Ana Rojas")
    when = timezone.now() - timedelta(hours=2)
    interaction = interaction_record(
        company=company,
        user=executive,
        channel="whatsapp",
        direction="inbound",
        summary="Pregunta por su factura de marzo.",
        occurred_at=when,
        contact=contact,
    )
    [change] = entries(ChangeKind.INTERACTION)
    assert (change.company, change.case, change.product) == (company, None, None)
    assert change.idempotency_key == f"interaction:{interaction.pk}"
    assert change.payload == {
        "case": "",
        "nit": company.nit,
        "company": company.legal_name,
        "service_number": "",
        "occurred_at": timezone.localtime(when).isoformat(timespec="seconds"),
        "channel": "whatsapp",
        "direction": "inbound",
        "type": "interaccion",
        "contact": "Lic. Ana Rojas",
        "recorded_by": executive.username,
        "summary": "Pregunta por su factura de marzo.",
    }
    assert change.payload["occurred_at"].endswith("-04:00")  # local time, La Paz


def test_an_interaction_refused_queues_nothing(team):
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    with pytest.raises(Exception):  # noqa: B017 — ValidationError: no summary
        interaction_record(
            company=company, user=team[Role.EXECUTIVE], channel="phone", direction="", summary=""
        )
    assert not Interaction.objects.exists() and not CommercialChange.objects.exists()


def test_a_case_step_that_fails_after_the_change_leaves_no_entry(
    deploy, team, customer_product, internet_plans
):
    """The entry commits with the change or not at all: a step refused after
    its action ran (here, a plan no longer offered) rolls both back."""
    deploy("b_plan_change.bpmn")
    case = b_tests.open_b_case(team, customer_product)
    complete(
        case, team[Role.EXECUTIVE], {"new_plan": internet_plans[2].pk, **b_tests.ALL_DOCUMENTS}
    )
    internet_plans[2].is_active = False
    internet_plans[2].save()
    with pytest.raises(Exception):  # noqa: B017 — the step is refused, whatever its error
        complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[2].pk})
    assert not entries(ChangeKind.PLAN_CHANGE)
    customer_product.refresh_from_db()
    assert customer_product.plan == internet_plans[0]


def test_the_standalone_record_confirms_what_a_procedure_handed_back(
    deploy, team, customer_product, internet_plans
):
    deploy("b_plan_change.bpmn")
    case = b_tests.open_b_case(team, customer_product)
    complete(
        case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk, **b_tests.ALL_DOCUMENTS}
    )
    complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[1].pk})
    deliver()
    assert set(CommercialChange.objects.values_list("state", flat=True)) == {ChangeState.CONFIRMED}
    assert set(CommercialChange.objects.values_list("external_reference", flat=True)) == {
        "posventa"
    }
