"""Procedure H, product withdrawal: what the executive and the commercial
manager read — the customer's history in numbers over the last 12 months,
the contract's minimum permanence, the penalty and the equipment."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from posventa.billing.final_invoice import Penalty, early_termination_penalty
from posventa.catalog.models import PenaltyFormula, TeamRuleCode
from posventa.catalog.rules import team_rule_text
from posventa.catalog.selectors import equipment_parts_by_kind, team_rule
from posventa.common.dates import add_months
from posventa.common.money import format_bs
from posventa.customers.models import Company, Interaction
from posventa.inventory.models import Equipment, Product
from posventa.workorders.models import WorkOrder, WorkOrderKind

HISTORY_MONTHS = 12


def history_since(on: date) -> datetime:
    """The start of the 12 months before `on` (same day a year earlier, 00:00 local)."""
    start = add_months(on, -HISTORY_MONTHS)
    return datetime.combine(start, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def damages_last_12_months(*, company: Company, on: date) -> int:
    """Damage work orders registered for the customer in the last 12 months."""
    return WorkOrder.objects.filter(
        company=company, kind=WorkOrderKind.DAMAGE, created_at__gte=history_since(on)
    ).count()


def complaints_last_12_months(*, company: Company, on: date) -> int:
    """Billing complaints registered on the customer's invoices in the last 12
    months (procedure F's `claims` app)."""
    from posventa.claims.models import Complaint

    return Complaint.objects.filter(
        invoice__product__company=company, created_at__gte=history_since(on)
    ).count()


def interactions_last_12_months(*, company: Company, on: date) -> int:
    """Contacts with the customer recorded in the last 12 months."""
    return Interaction.objects.filter(company=company, occurred_at__gte=history_since(on)).count()


def penalty_for(*, product: Product, on: date) -> Penalty:
    """The early-termination penalty on `on`, by the team's rule (not the
    manual's, which gives no formula): its formula and its percentage."""
    rule = team_rule(TeamRuleCode.PENALTY_FORMULA)
    return early_termination_penalty(
        monthly_price=product.plan.monthly_price,
        percent=rule.percent,
        permanence_ends_on=product.permanence_ends_on,
        on=on,
        prorated=rule.choice == PenaltyFormula.PRORATED_DAYS,
    )


def penalty_rule_text() -> str:
    """The penalty's team rule as step 5 shows it."""
    return team_rule_text(team_rule(TeamRuleCode.PENALTY_FORMULA))


def request_date_of(case) -> date:
    return timezone.localtime(case.received_at).date()


def devices_with_parts(devices) -> list[str]:
    """Each device with the parts the equipment catalogue lists for its kind:
    what the customer must bring back (a part missing is charged)."""
    devices = list(devices)
    parts = equipment_parts_by_kind({device.kind for device in devices})
    return [
        f"{device} con {', '.join(p.name for p in parts[device.kind])}"
        if parts[device.kind]
        else str(device)
        for device in devices
    ]


def equipment_text(product: Product) -> str:
    return "; ".join(devices_with_parts(product.equipment.all())) or "sin equipos"


def return_text(equipment: Equipment) -> str:
    """How a device came back, as the steps show it: its condition, the parts
    it lacks, the note."""
    text = f"{equipment} ({equipment.get_return_condition_display()}"
    missing = [str(row.part) for row in equipment.missing_part_rows.select_related("part")]
    if missing:
        text += f": falta {', '.join(missing)}"
    if equipment.return_note:
        text += f"; {equipment.return_note}"
    return text + ")"


def customer_history(*, company: Company, product: Product, on: date) -> dict:
    """Step 2: the customer's history in numbers and the product's contract."""
    fulfilled = product.permanence_fulfilled(on)
    ends_on = product.permanence_ends_on
    if product.minimum_permanence_months == 0:
        permanence = "sin permanencia mínima (cumplida)."
    elif fulfilled:
        permanence = (
            f"{product.minimum_permanence_months} meses desde la instalación, cumplida el "
            f"{ends_on:%d/%m/%Y}."
        )
    else:
        permanence = (
            f"{product.minimum_permanence_months} meses desde la instalación, NO cumplida: "
            f"vence el {ends_on:%d/%m/%Y}."
        )
    plan = product.plan
    damages = damages_last_12_months(company=company, on=on)
    complaints = complaints_last_12_months(company=company, on=on)
    interactions = interactions_last_12_months(company=company, on=on)
    contract = (
        f"Contrato: {plan.product_type.name} N.º {product.service_number}, plan {plan.name} "
        f"({format_bs(plan.monthly_price)} al mes), instalado el {product.installed_on:%d/%m/%Y}. "
        f"Permanencia mínima: {permanence}"
    )
    return {
        "request_date": on.isoformat(),
        "damages": damages,
        "complaints": complaints,
        "interactions": interactions,
        "text": (
            f"Historial de los últimos {HISTORY_MONTHS} meses: {damages} daño(s), "
            f"{complaints} reclamo(s) de facturación, {interactions} interacción(es). {contract}"
        ),
        "contract_text": contract,
        "permanence": permanence,
        "permanence_fulfilled": fulfilled,
        "permanence_ends_on": f"{ends_on:%d/%m/%Y}",
        "equipment": equipment_text(product),
    }
