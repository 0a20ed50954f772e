"""Six months of finished plan changes (procedure B) for the demo, so that the
indicators have a trend and "where time goes" has steps to measure.

Each request goes through the same services a person uses (case_open,
task_complete); then its history is moved back in time, consistently: the
request, each step's start, taking and end, the answer, the closing, the
interactions and documents all get the times of a believable working day in
the past. Most answers come within hours; some wait for the commercial manager
past the 24 hours, a few customers give up on the documents, a few quality
calls are not conform — so the figures are not all green.

Idempotent: nothing is added when the demo already has requests from before
this month.
"""

import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.billing.models import Invoice
from posventa.cases.models import Case, CaseDocument, CaseStatus
from posventa.cases.services import case_open
from posventa.catalog.models import Plan
from posventa.common.money import bs
from posventa.customers.models import Interaction
from posventa.demo.office import office_moment
from posventa.engine import services as engine
from posventa.engine.models import ProcessInstance, TaskEvent
from posventa.integrations.models import ChangeKind, CommercialChange
from posventa.inventory.models import Product, ProductStatus

MONTHS = 6
REQUESTS_PER_MONTH = 20
DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}
CHANNELS = ["email", "whatsapp", "in_person", "phone", "letter"]


def load_history(*, seed: int = 2027) -> Counter:
    created: Counter = Counter()
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if Case.objects.filter(received_at__lt=month_start).exists():
        return created
    rng = random.Random(seed)
    team = {u.role: u for u in User.objects.filter(role__in=Role.values).order_by("pk")}
    products = list(
        Product.objects.filter(
            status=ProductStatus.ACTIVE, plan__product_type__code__in=["internet", "duo_pack"]
        )
        # A product with a request open today would refuse another plan change
        # (one product, one change at a time): its history is left alone.
        .exclude(cases__in=Case.objects.exclude(status=CaseStatus.CLOSED))
        .select_related("company__executive", "plan")
        .order_by("service_number")
    )
    if not products or Role.COMMERCIAL_MANAGER not in team:
        return created
    plans = {}
    for plan in Plan.objects.filter(is_active=True).order_by("monthly_price"):
        plans.setdefault(plan.product_type_id, []).append(plan.pk)
    for months_back in range(MONTHS, 0, -1):
        first_day = _months_before(month_start, months_back)
        for _n in range(REQUESTS_PER_MONTH):
            product = rng.choice(products)
            product.refresh_from_db(fields=["plan"])  # an earlier request may have changed it
            offered = plans.get(product.plan.product_type_id, [])
            choices = [plan for plan in offered if plan != product.plan_id]
            if not choices:
                continue
            received = _working_moment(rng, first_day)
            with transaction.atomic():
                case = _walk(rng, product, rng.choice(choices), team)
                _move_back(rng, case, received)
                _bill_from_the_change(case)
            created["history"] += 1
    return created


def _months_before(month_start: datetime, months: int) -> datetime:
    year, month = month_start.year, month_start.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return month_start.replace(year=year, month=month)


def _working_moment(rng, first_day: datetime) -> datetime:
    """A weekday, 8:30 to 17:30, in the first three weeks of the month that
    starts on `first_day`: its steps, kept in office hours, end within it."""
    while True:
        day = first_day + timedelta(days=rng.randint(0, 20))
        if day.weekday() < 5:
            return day + timedelta(hours=8.5 + rng.random() * 9)


def _complete(case, user, data):
    task = case.instance.human_tasks.get()
    engine.task_complete(task_id=task.task_id, user=user, data=data)


def _walk(rng, product, new_plan, team) -> Case:
    executive = product.company.executive
    case = case_open(
        company=product.company,
        procedure="B",
        channel=rng.choice(CHANNELS),
        subject="Cambio de plan",
        product=product,
        user=executive,
    )
    if rng.random() < 0.04:  # the customer never brings the documents
        _complete(case, executive, {"new_plan": new_plan, "has_nit_copy": "on"})
        _complete(
            case,
            executive,
            {
                "completed": "no",
                "interaction_channel": "phone",
                "interaction_summary": "El cliente decide mantener su plan actual.",
            },
        )
        return case
    _complete(case, executive, {"new_plan": new_plan, **DOCUMENTS})
    _complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": new_plan})
    conform = rng.random() > 0.03
    _complete(
        case,
        executive,
        {
            "conform": "yes" if conform else "no",
            "interaction_channel": "phone",
            "interaction_summary": "El cliente confirma que el nuevo plan funciona."
            if conform
            else "El cliente dice que la velocidad no mejoró.",
        },
    )
    return case


def _step_hours(rng, bpmn_id: str) -> tuple[float, float]:
    """(waiting, working) hours of a person's step."""
    if bpmn_id == "enter_plan_change":
        # The commercial manager's queue: usually hours, sometimes past a day.
        waiting = rng.choice([0.5, 1, 2, 3, 4, 6, 8, 12, 20, 26])
        return waiting * (0.7 + rng.random() * 0.6), 0.1 + rng.random() * 0.3
    if bpmn_id == "quality_call":
        return 20 + rng.random() * 30, 0.05 + rng.random() * 0.1
    return 0.2 + rng.random() * 2, 0.1 + rng.random() * 0.4


def _move_back(rng, case: Case, received: datetime) -> None:
    """Give the walked request the times of a day in the past."""
    case.refresh_from_db()
    cursor = received
    ends = {}
    for event in TaskEvent.objects.filter(instance_id=case.instance_id).order_by(
        "started_at", "pk"
    ):
        started = cursor
        taken = None
        if event.kind == "UserTask":
            # A person takes and ends a step (a call, a form) while the office
            # is open: a wait that runs into the night ends next morning.
            waiting, working = _step_hours(rng, event.bpmn_id)
            taken = office_moment(
                started + timedelta(hours=waiting), late_by=timedelta(minutes=rng.randint(0, 50))
            )
            cursor = office_moment(taken + timedelta(hours=working), late_by=timedelta(minutes=10))
        TaskEvent.objects.filter(pk=event.pk).update(
            started_at=started, taken_at=taken, ended_at=cursor if event.ended_at else None
        )
        ends[event.bpmn_id] = cursor
    closed = cursor
    attended = ends.get("enter_plan_change", closed)
    Case.objects.filter(pk=case.pk).update(
        received_at=received,
        requested_at=received,
        created_at=received,
        attended_at=attended,
        closed_at=closed,
    )
    ProcessInstance.objects.filter(pk=case.instance_id).update(
        started_at=received, completed_at=closed
    )
    interactions = list(Interaction.objects.filter(case=case).order_by("pk"))
    for index, interaction in enumerate(interactions):
        when = received if index == 0 else closed if index == len(interactions) - 1 else attended
        Interaction.objects.filter(pk=interaction.pk).update(occurred_at=when)
    CaseDocument.objects.filter(case=case).update(created_at=attended)


def _bill_from_the_change(case: Case) -> None:
    """The plan changed on the day the commercial manager entered it, so the
    invoices of the months after it bill the new plan (its price plus the
    charges each carries), as the commercial system's change (dated that day
    too) says. The demo issued the year's invoices before its history ran."""
    change = CommercialChange.objects.filter(case=case, kind=ChangeKind.PLAN_CHANGE).first()
    if change is None:  # the customer gave up: nothing changed
        return
    case.refresh_from_db(fields=["attended_at"])
    effective = timezone.localtime(case.attended_at).date()
    change.payload = {**change.payload, "effective_on": effective.isoformat()}
    CommercialChange.objects.filter(pk=change.pk).update(
        payload=change.payload, created_at=case.attended_at
    )
    price = Plan.objects.get(code=change.payload["new_plan"]).monthly_price
    invoices = (
        Invoice.objects.filter(product_id=change.product_id, period__gt=effective)
        .annotate(charged=Sum("charges__amount"))
        .only("pk", "paid_on")
    )
    for invoice in invoices:
        amount = bs(price + (invoice.charged or Decimal("0")))
        fields = {"amount": amount}
        if invoice.paid_on is not None:
            fields["amount_paid"] = amount
        Invoice.objects.filter(pk=invoice.pk).update(**fields)
