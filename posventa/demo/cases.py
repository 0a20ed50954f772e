"""A day of post-sale work for the demo: plan-change requests (procedure B)
received over the last day and a half, each left at a different step, a
request of each other procedure a customer asks for (A, C–H, L) waiting at
its first step, and two withdrawals of pay TV (H) at the equipment: one
waiting for its decoders to be checked (the parts of each offered), one
whose decoder came back without its remote control, the part's tariff
waiting to be charged — so the inboxes, the 24-hour badges and the case
pages have something to show.

They go through the same services a person uses (case_open, task_complete).
Idempotent: nothing is added when the demo already has cases.
"""

import random
from collections import Counter

from django.db import transaction
from django.utils import timezone

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.cases.services import case_open
from posventa.catalog.models import Plan
from posventa.customers.models import Company, Interaction
from posventa.demo.office import (
    in_office_hours,
    latest_office_moment,
    office_hours_after,
    office_hours_before,
)
from posventa.engine import services as engine
from posventa.engine.deployment import deploy_files, read_directory
from posventa.inventory.models import Product, ProductStatus
from posventa.procedures.apps import MODELS_DIR
from posventa.procedures.catalog import products_for

SUBJECTS = [
    "Pide subir la velocidad del internet de la oficina",
    "Quiere bajar a un plan más económico",
    "Solicita cambio de plan por ampliación de personal",
    "Cambio de plan pedido por carta del gerente",
]
# How far each request got: the number of steps already completed, or "gave_up".
PROGRESS = [0, 0, 0, 1, 1, 2, 2, 3, 3, 3, "waiting", "gave_up"]
DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}
# Withdrawals walked to the equipment's return (procedure H): to step 8, and
# to step 13 with a decoder back without its remote control.
EQUIPMENT_RETURNS = [
    ("check_equipment", "Retiro del TV cable de la sucursal que cierra"),
    ("bill_equipment", "Retiro del TV cable: devolvió el decodificador sin control remoto"),
]
# One request of each other procedure a customer starts, left at its first step.
OTHER_REQUESTS = {
    "A": "Pide habilitar llamada en espera y desvío de llamadas",
    "C": "Traslada la oficina a otra zona de la ciudad",
    "D": "Solicita suspender el servicio durante las vacaciones colectivas",
    "E": "Reporta que el internet se corta varias veces al día",
    "F": "Reclama llamadas a celulares que no reconoce en su factura",
    "G": "Pide el detalle de llamadas salientes de los últimos meses",
    "H": "Solicita el retiro de una línea que ya no usa",
    "L": "Pide una visita técnica para revisar su red interna",
}


def load_cases(*, seed: int = 2026) -> Counter:
    created: Counter = Counter()
    if Case.objects.exists():
        return created
    deploy_files(read_directory(MODELS_DIR))
    rng = random.Random(seed)
    team = {u.role: u for u in User.objects.filter(role__in=Role.values).order_by("pk")}
    products = list(
        Product.objects.filter(
            status=ProductStatus.ACTIVE, plan__product_type__code__in=["internet", "duo_pack"]
        )
        .select_related("company__executive", "plan")
        .order_by("service_number")
    )
    rng.shuffle(products)
    now = timezone.now()
    with transaction.atomic():
        for n, progress in enumerate(PROGRESS):
            product = products[n]
            others = list(
                Plan.objects.filter(product_type_id=product.plan.product_type_id, is_active=True)
                .exclude(pk=product.plan_id)
                .order_by("monthly_price")
            )
            if not others:
                continue
            executive = product.company.executive
            case = case_open(
                company=product.company,
                procedure="B",
                channel=rng.choice(["email", "whatsapp", "in_person", "phone"]),
                subject=rng.choice(SUBJECTS),
                product=product,
                user=executive,
                received_at=office_hours_before(now, rng.randint(1, 14) + rng.random()),
            )
            created["cases"] += 1
            new_plan = rng.choice(others).pk
            _walk(case, progress, executive, team, new_plan)
            _in_office_hours(case, now)
        used = {product.company_id for product in products[: len(PROGRESS)]}
        returns = zip(_tv_products(used), EQUIPMENT_RETURNS, strict=False)
        for n, (product, (stop, subject)) in enumerate(returns):
            used.add(product.company_id)
            case = case_open(
                company=product.company,
                procedure="H",
                channel="letter",
                subject=subject,
                product=product,
                user=product.company.executive,
                received_at=office_hours_before(now, 6.7 - 3 * n),
            )
            created["cases"] += 1
            _walk_withdrawal(case, stop, product.company.executive, team)
            _in_office_hours(case, now)
        for procedure, subject in OTHER_REQUESTS.items():
            product = _product_for(procedure, used)
            if product is None:
                continue
            used.add(product.company_id)
            case_open(
                company=product.company,
                procedure=procedure,
                channel=rng.choice(["email", "whatsapp", "in_person", "phone"]),
                subject=subject,
                product=product,
                user=product.company.executive,
                received_at=office_hours_before(now, rng.randint(1, 10) + rng.random()),
            )
            created["cases"] += 1
    return created


def _in_office_hours(case, now) -> None:
    """The calls and notes of the steps walked now, when the office is closed
    (a demo loaded at night, on a Sunday), are moved to office time after the
    request came in: twenty minutes apart, never later than the last moment
    the office was open."""
    latest = latest_office_moment(now)
    steps = Interaction.objects.filter(case=case, occurred_at__gt=case.received_at).order_by("pk")
    for n, interaction in enumerate(steps, start=1):
        if in_office_hours(interaction.occurred_at):
            continue
        moment = min(office_hours_after(case.received_at, n / 3), latest)
        Interaction.objects.filter(pk=interaction.pk).update(occurred_at=moment)


def _tv_products(used: set) -> list:
    """Active pay-TV products with a decoder and their permanence fulfilled,
    one per customer without a demo request yet."""
    today = timezone.localdate()
    found, companies = [], set(used)
    candidates = (
        Product.objects.filter(
            status=ProductStatus.ACTIVE,
            plan__product_type__code="pay_tv",
            equipment__kind="decoder",
        )
        .select_related("company__executive", "plan")
        .distinct()
        .order_by("service_number")
    )
    for product in candidates:
        if product.company_id not in companies and product.permanence_fulfilled(today):
            found.append(product)
            companies.add(product.company_id)
    return found


def _walk_withdrawal(case, stop: str, executive, team) -> None:
    """Procedure H up to the equipment check (step 8), and on to step 13 with
    the first decoder back without its remote control."""
    manager = team[Role.COMMERCIAL_MANAGER]
    _complete(case, executive, {"cause": "Cierran la sucursal donde se usaba el servicio."})
    _complete(case, executive, {"history_reviewed": "on"})
    _complete(
        case,
        executive,
        {
            "stays": "no",
            "interaction_channel": "phone",
            "interaction_summary": "No acepta la oferta de retención: la sucursal cierra.",
        },
    )
    _complete(case, executive, DOCUMENTS)
    _complete(case, manager, {"contract_reviewed": "on"})
    _complete(case, manager, {"final_invoice_checked": "on"})
    if stop == "check_equipment":
        return
    data = {}
    decoders = list(case.product.equipment.filter(kind="decoder").order_by("serial"))
    for device in case.product.equipment.all():
        data[f"condition_{device.pk}"] = "complete"
    data[f"condition_{decoders[0].pk}"] = "incomplete"
    data[f"parts_{decoders[0].pk}"] = ["remote_control"]
    _complete(case, manager, data)


def _product_for(procedure: str, used: set):
    """A product the procedure applies to, of a customer with no demo request yet."""
    for company in Company.objects.exclude(pk__in=used).order_by("nit"):
        product = products_for(procedure, company).filter(status=ProductStatus.ACTIVE).first()
        if product is not None:
            return product
    return None


def _complete(case, user, data):
    task = case.instance.human_tasks.get()
    engine.task_complete(task_id=task.task_id, user=user, data=data)


def _walk(case, progress, executive, team, new_plan) -> None:
    if progress in ("waiting", "gave_up"):
        _complete(case, executive, {"new_plan": new_plan, "has_nit_copy": "on"})
        if progress == "gave_up":
            _complete(
                case,
                executive,
                {
                    "completed": "no",
                    "interaction_channel": "phone",
                    "interaction_summary": "El cliente decide mantener su plan actual.",
                },
            )
        return
    if progress >= 1:
        _complete(case, executive, {"new_plan": new_plan, **DOCUMENTS})
    if progress >= 2:
        _complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": new_plan})
    if progress >= 3:
        _complete(
            case,
            executive,
            {
                "conform": "yes",
                "interaction_channel": "phone",
                "interaction_summary": "El cliente confirma que el nuevo plan funciona.",
            },
        )
