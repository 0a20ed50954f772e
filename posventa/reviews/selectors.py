"""Reads of procedure K: what the data says should be reviewed, the review
list, and an analyst's working day."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.catalog.models import Plan, ProductTypeCode, Technology
from posventa.customers.models import Company
from posventa.engine.models import TaskEvent
from posventa.integrations.models import Coverage, DiagnosisRecord, place_key
from posventa.inventory.models import Product, ProductStatus
from posventa.reviews.models import ItemKind, ReviewItem
from posventa.workorders.models import WorkOrder, WorkOrderKind

# A damage this recent puts the product on the list for a service check.
RECENT_DAMAGE_DAYS = 30

# The kinds of product a customer may be offered, and what each pack already
# includes: a Multipack customer lacks nothing of the three.
OFFERABLE = (ProductTypeCode.FIXED_LINE, ProductTypeCode.INTERNET, ProductTypeCode.PAY_TV)
INCLUDES = {
    ProductTypeCode.FIXED_LINE: {ProductTypeCode.FIXED_LINE},
    ProductTypeCode.INTERNET: {ProductTypeCode.INTERNET},
    ProductTypeCode.PAY_TV: {ProductTypeCode.PAY_TV},
    ProductTypeCode.DUO_PACK: {ProductTypeCode.FIXED_LINE, ProductTypeCode.INTERNET},
    ProductTypeCode.MULTIPACK: set(OFFERABLE),
}


@dataclass(frozen=True)
class Finding:
    kind: str
    product: Product
    offered_type: str = ""
    detail: str = ""


def _live_products(companies=None) -> QuerySet[Product]:
    products = Product.objects.exclude(status=ProductStatus.WITHDRAWN).select_related(
        "company", "plan__product_type"
    )
    if companies is not None:
        products = products.filter(company__in=companies)
    return products.order_by("company__legal_name", "service_number")


def migration_candidates(companies=None) -> list[Finding]:
    """Products on copper at a place the coverage table reaches with fiber
    that has free ports."""
    fiber = {
        (row.zone_key, row.neighbourhood_key): row
        for row in Coverage.objects.filter(technology=Technology.FIBER, spare_ports__gt=0)
    }
    found = []
    products = _live_products(companies).filter(
        technology=Technology.COPPER, plan__product_type__uses_access_network=True
    )
    for product in products:
        row = fiber.get((place_key(product.zone), place_key(product.neighbourhood)))
        if row is not None:
            node = f" ({row.network_node})" if row.network_node else ""
            found.append(
                Finding(
                    ItemKind.MIGRATION,
                    product,
                    detail=f"Fibra en {row.neighbourhood}{node}: {row.spare_ports} puertos libres",
                )
            )
    return found


def sales_opportunities(companies=None) -> list[Finding]:
    """Customers lacking a kind of product the plan catalogue offers; the
    finding hangs on the customer's first product."""
    offered = set(
        Plan.objects.filter(is_active=True, product_type__code__in=OFFERABLE).values_list(
            "product_type__code", flat=True
        )
    )
    owned: dict[int, set] = {}
    first: dict[int, Product] = {}
    for product in _live_products(companies):
        first.setdefault(product.company_id, product)
        owned.setdefault(product.company_id, set()).update(
            INCLUDES.get(product.plan.product_type.code, set())
        )
    found = []
    for company_id, product in first.items():
        for code in OFFERABLE:
            if code in offered and code not in owned[company_id]:
                found.append(
                    Finding(
                        ItemKind.OPPORTUNITY,
                        product,
                        offered_type=code,
                        detail=f"Sin {ProductTypeCode(code).label}",
                    )
                )
    return found


def recent_damages(companies=None, *, on: date | None = None) -> list[Finding]:
    """Products with a damage work order registered in the last days."""
    on = on or timezone.localdate()
    since = timezone.make_aware(datetime.combine(on - timedelta(days=RECENT_DAMAGE_DAYS), time()))
    orders = WorkOrder.objects.filter(kind=WorkOrderKind.DAMAGE, created_at__gte=since)
    counts: dict[int, list[str]] = {}
    for product_id, number in orders.order_by("created_at").values_list("product_id", "number"):
        counts.setdefault(product_id, []).append(number)
    products = _live_products(companies).filter(pk__in=counts)
    return [
        Finding(
            ItemKind.SERVICE,
            product,
            detail=f"Daños en {RECENT_DAMAGE_DAYS} días: {', '.join(counts[product.pk])}",
        )
        for product in products
    ]


def findings(companies=None) -> list[Finding]:
    return [
        *sales_opportunities(companies),
        *migration_candidates(companies),
        *recent_damages(companies),
    ]


def worklist(*, user, executive=None, kind: str = "") -> QuerySet[ReviewItem]:
    """The review list still to be worked (no case yet), for the portfolios
    the user sees; by executive and kind if asked."""
    items = ReviewItem.objects.filter(
        case__isnull=True, company__in=Company.objects.visible_to(user)
    ).select_related("company__executive", "product__plan__product_type")
    if executive is not None:
        items = items.filter(company__executive=executive)
    if kind:
        items = items.filter(kind=kind)
    return items


# --- The analyst's day (step 10) ------------------------------------------------------


@dataclass
class AnalystDay:
    analyst: object
    day: date
    cases: list = field(default_factory=list)
    diagnoses: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    damages: list = field(default_factory=list)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time()))
    return start, start + timedelta(days=1)


def analyst_day(*, analyst, day: date) -> AnalystDay:
    """What a technical analyst did on a day: the cases whose steps she
    completed, her remote diagnoses, the support visits and the damages she
    registered."""
    start, end = _day_bounds(day)
    instance_ids = TaskEvent.objects.filter(
        actor=analyst, ended_at__gte=start, ended_at__lt=end, cancelled=False
    ).values("instance_id")
    cases = list(
        Case.objects.filter(instance_id__in=instance_ids)
        .select_related("company", "product")
        .order_by("number")
    )
    diagnoses = list(
        DiagnosisRecord.objects.filter(analyst=analyst, created_at__gte=start, created_at__lt=end)
        .select_related("product__company", "work_order")
        .order_by("created_at")
    )
    visits = list(
        WorkOrder.objects.filter(kind=WorkOrderKind.VISIT, created_by=analyst)
        .filter(
            models_q_between("created_at", start, end)
            | models_q_between("scheduled_at", start, end)
        )
        .select_related("company")
        .order_by("number")
    )
    damages = list(
        WorkOrder.objects.filter(
            kind=WorkOrderKind.DAMAGE, created_by=analyst, created_at__gte=start, created_at__lt=end
        )
        .select_related("company", "product")
        .order_by("number")
    )
    return AnalystDay(analyst, day, cases, diagnoses, visits, damages)


def models_q_between(name: str, start, end) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def technical_analysts():
    return (
        get_user_model()
        .objects.filter(role=Role.TECHNICAL_ANALYST, is_active=True)
        .order_by("username")
    )


def report_recipients() -> list[str]:
    """The division head, the team lead and the technical manager (every
    active one with an e-mail address)."""
    return list(
        get_user_model()
        .objects.filter(
            role__in=[Role.DIVISION_HEAD, Role.TEAM_LEAD, Role.TECHNICAL_MANAGER], is_active=True
        )
        .exclude(email="")
        .order_by("role", "username")
        .values_list("email", flat=True)
    )


def step_completed_by(*, case: Case, bpmn_id: str):
    """Who last completed the step `bpmn_id` of the case's process (None if
    nobody yet): the migration's charge is recorded by the commercial manager
    who entered it, though it is added when the installation closes."""
    if case.instance_id is None:
        return None
    event = (
        TaskEvent.objects.filter(
            instance_id=case.instance_id, bpmn_id=bpmn_id, ended_at__isnull=False, cancelled=False
        )
        .select_related("actor")
        .order_by("-ended_at", "-pk")
        .first()
    )
    return event.actor if event else None
