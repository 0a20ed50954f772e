"""Procedure H, product withdrawal: the system gathers the customer's history,
computes the early-termination penalty and the final invoice, records the
equipment's return, bills what is missing or damaged, closes the pending
work orders, hands the equipment to the warehouse and withdraws the product."""

from decimal import Decimal

from django.utils import timezone

from posventa.billing.models import Charge
from posventa.billing.services import (
    charge_add,
    final_invoice_issue,
    product_final_invoice,
)
from posventa.cases.selectors import case_for_instance
from posventa.catalog.models import TariffCode
from posventa.catalog.selectors import device_tariff, tariff_get
from posventa.common.money import bs, format_bs
from posventa.customers.models import Company
from posventa.engine.context import current_actor
from posventa.engine.registry import registry
from posventa.integrations.handback import equipment_received_hand_back, withdrawal_hand_back
from posventa.inventory.models import BILLABLE_CONDITIONS, Product, ReturnCondition
from posventa.inventory.rules import charge_total
from posventa.inventory.selectors import equipment_return_charges
from posventa.inventory.services import (
    equipment_return_bill,
    equipment_return_check,
    equipment_to_warehouse,
    product_withdraw,
)
from posventa.procedures.d_suspension import as_date
from posventa.procedures.h_withdrawal import customer_history as history_of
from posventa.procedures.h_withdrawal import (
    penalty_for,
    penalty_rule_text,
    request_date_of,
    return_text,
)
from posventa.procedures.product_guard import changes_note, product_state
from posventa.workorders.models import WorkOrder
from posventa.workorders.services import workorder_close


def _product(product_id: int) -> Product:
    return Product.objects.select_related("plan__product_type", "company").get(pk=product_id)


# --- step 2: the customer's history and the contract ------------------------------------


@registry.register_action("customer_history")
def customer_history(instance, company_id: int, product_id: int) -> dict:
    """Step 2: damages, complaints and interactions of the last 12 months, and
    whether the minimum permanence is fulfilled on the request date."""
    case = case_for_instance(instance)
    on = request_date_of(case) if case is not None else timezone.localdate()
    return history_of(
        company=Company.objects.get(pk=company_id), product=_product(product_id), on=on
    )


# --- step 5: early-termination penalty --------------------------------------------------


@registry.register_action("withdrawal_penalty")
def withdrawal_penalty(instance, product_id: int, request_date) -> dict:
    """Step 5: the penalty by the team's rule (its formula and percentage),
    with the rule as the step shows it."""
    penalty = penalty_for(product=_product(product_id), on=as_date(request_date)).as_dict()
    penalty["rule"] = penalty_rule_text()
    return penalty


@registry.register_action("charge_penalty")
def charge_penalty(instance, product_id: int, penalty: dict) -> dict:
    """Step 5, the customer accepts: the penalty goes on the final invoice."""
    amount = bs(penalty.get("amount") or 0)
    if amount <= 0:
        return {"charged": False, "amount": "0.00"}
    charge = charge_add(
        product=_product(product_id),
        concept=(
            f"Penalidad por retiro anticipado ({penalty['percent']} % × "
            f"{penalty.get('time_text') or str(penalty['months']) + ' mes(es)'})"
        ),
        amount=amount,
        tariff=tariff_get(TariffCode.EARLY_TERMINATION_PENALTY),
        user=current_actor(),
    )
    return {"charged": True, "charge_id": charge.pk, "amount": str(charge.amount)}


# --- step 7: the final invoice ----------------------------------------------------------


@registry.register_action("withdrawal_final_invoice")
def withdrawal_final_invoice(instance, product_id: int, request_date) -> dict:
    """Step 7: the final invoice line by line, with the charges it will carry
    (the penalty, the equipment billed)."""
    product = _product(product_id)
    on = as_date(request_date)
    computed = product_final_invoice(product=product, request_date=on)
    charges = list(
        Charge.objects.filter(product=product, invoice__isnull=True).order_by("created_at", "pk")
    )
    charges_total = bs(sum((c.amount for c in charges), Decimal("0")))
    grand_total = bs(computed.total + charges_total)
    data = computed.as_dict()
    data.update(
        {
            "request_date_text": f"{on:%d/%m/%Y}",
            "charges": [{"concept": c.concept, "amount": str(c.amount)} for c in charges],
            "charges_text": "; ".join(f"{c.concept} = {format_bs(c.amount)}" for c in charges)
            or "ninguno",
            "charges_total": str(charges_total),
            "grand_total": str(grand_total),
            "document_lines": [
                [line["concept"], line["detail"], line["amount"]] for line in data["lines"]
            ]
            + [[c.concept, "cargo", str(c.amount)] for c in charges],
            "summary": (
                f"Factura final al {on:%d/%m/%Y}: "
                + "; ".join(data["text"])
                + ". Cargos pendientes: "
                + ("; ".join(f"{c.concept} = {format_bs(c.amount)}" for c in charges) or "ninguno")
                + f". Total: {format_bs(grand_total)}."
            ),
            "change": (
                f"Retiro del producto N.º {product.service_number} a solicitud del cliente del "
                f"{on:%d/%m/%Y}; factura final según el detalle"
            ),
        }
    )
    return data


# --- steps 8 and 13: the equipment ------------------------------------------------------


def _to_bill_text(equipment) -> str:
    """A device to bill and what it owes: its missing parts at their tariffs,
    or the device's tariff proposed (a person gives the amount at step 13)."""
    text = return_text(equipment)
    if equipment.return_condition == ReturnCondition.INCOMPLETE:
        lines = equipment_return_charges(equipment)
        return f"{text}: {format_bs(charge_total(lines))} según tarifa"
    tariff = device_tariff(equipment.kind)
    if tariff is None:
        return f"{text}: sin tarifa, indique el importe"
    return f"{text}: tarifa del equipo {format_bs(tariff.amount)}"


def _equipment_state(product: Product) -> dict:
    equipment = list(product.equipment.all())
    to_bill = [
        e for e in equipment if e.return_condition in BILLABLE_CONDITIONS and e.billed_on is None
    ]
    received = [e for e in equipment if e.returned_on is not None]
    return {
        "settled": all(e.return_settled for e in equipment),
        "to_bill": "; ".join(_to_bill_text(e) for e in to_bill) or "ninguno",
        "received": ", ".join(return_text(e) for e in received) or "ninguno",
    }


@registry.register_action("record_equipment_check")
def record_equipment_check(
    instance, product_id: int, conditions=None, notes=None, missing_parts=None
) -> dict:
    """Step 8: how each device came back. Complete (or already billed) → 9;
    incomplete, damaged or missing → 13."""
    product = _product(product_id)
    recorded = equipment_return_check(
        product=product,
        conditions=conditions or {},
        notes=notes or {},
        missing_parts=missing_parts or {},
        on=timezone.localdate(),
    )
    # H 11: the equipment received, device by device, to the commercial system.
    equipment_received_hand_back(
        devices=recorded, case=case_for_instance(instance), instance=instance
    )
    return _equipment_state(product)


@registry.register_action("bill_equipment_charges")
def bill_equipment_charges(instance, product_id: int, amounts=None) -> list[str]:
    """Step 13: what each device owes billed, on the final invoice: the parts
    an incomplete device lacks at their tariffs, a damaged or missing device
    at the amount given (its tariff when none is)."""
    product = _product(product_id)
    amounts = amounts or {}
    billed = []
    to_bill = product.equipment.filter(
        return_condition__in=BILLABLE_CONDITIONS, billed_on__isnull=True
    )
    for equipment in to_bill:
        amount = amounts.get(equipment.serial)
        charges = equipment_return_bill(
            equipment=equipment,
            amount=Decimal(str(amount)) if amount not in (None, "") else None,
            user=current_actor(),
        )
        billed += [f"{charge.concept} = {format_bs(charge.amount)}" for charge in charges]
    return billed


# --- steps 9 and 10: the pending work orders ---------------------------------------------


@registry.register_action("open_work_orders")
def open_work_orders(instance, product_id: int) -> list[str]:
    """Step 9: the product's work orders still open."""
    return [
        f"{wo.number} · {wo.get_kind_display()} · {wo.get_state_display()}"
        for wo in WorkOrder.objects.open().filter(product_id=product_id).order_by("number")
    ]


@registry.register_action("close_work_orders_for_withdrawal")
def close_work_orders_for_withdrawal(instance, closings=None, result: str = "") -> list[str]:
    """Step 10: the technical manager closes the pending orders, each with how
    it ended (through the work orders' service, which tells any process
    waiting for it)."""
    closed = []
    for number, state in (closings or {}).items():
        work_order = WorkOrder.objects.get(number=number)
        if not work_order.is_open:
            continue
        workorder_close(
            work_order=work_order,
            state=state,
            result=f"Retiro del producto: {result}",
            user=current_actor(),
        )
        closed.append(number)
    return closed


# --- step 14: the warehouse, the final invoice, the product withdrawn ---------------------


@registry.register_action("finish_withdrawal")
def finish_withdrawal(instance, product_id: int, request_date, received_by: str) -> dict:
    """Step 14: the equipment handed to the warehouse, the final invoice issued
    with every pending charge, and the product withdrawn on the request date."""
    product = _product(product_id)
    on = as_date(request_date)
    handed = equipment_to_warehouse(
        product=product, on=timezone.localdate(), received_by=received_by
    )
    invoice = final_invoice_issue(product=product, request_date=on)
    before = product_state(product)
    product = product_withdraw(product=product, on=on)
    case = case_for_instance(instance)
    changes_note(case=case, product=product, before=before)
    withdrawal_hand_back(
        product=product,
        reason="Retiro a solicitud del cliente",
        case=case,
        instance=instance,
        final_invoice=invoice,
    )
    return {
        "invoice_id": invoice.pk,
        "invoice_amount": str(invoice.amount),
        "withdrawn_on": on.isoformat(),
        "warehouse": [str(e) for e in handed],
    }
