"""The portfolio work of the demo's week (procedures J, K and L): each
executive's loyalty campaign, the analysts' review list found in the data,
the analysts' support visits in the shared calendar over the next working
days, and each executive's commercial visits ("ofertas de servicio", her
Annex 1) — so the campaign, review and calendar pages and both schedules
have something to show.

They go through the same services a person uses. Idempotent: nothing is
added when the demo already has campaigns or visits.
"""

import random
from collections import Counter
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.campaigns.models import Campaign, CampaignKind
from posventa.campaigns.services import campaign_create
from posventa.customers.models import Company
from posventa.inventory.models import ProductStatus
from posventa.reviews.services import worklist_refresh
from posventa.visits.models import Visit
from posventa.visits.services import commercial_visit_plan, visit_schedule

MONTHS_ES = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]  # fmt: skip
# The visits of each working day ahead: (start, hours).
DAY_SLOTS = [(time(9), 2), (time(15), 1)]
WORKING_DAYS_AHEAD = 4
REASONS = [
    "Revisión de la red interna y del router",
    "Capacitación en el uso de la central Centrex",
    "Cortes intermitentes de internet reportados por el cliente",
    "Verificación de la calidad de la señal de TV",
]
# Each executive's commercial visits of the week: (working day ahead, start).
COMMERCIAL_SLOTS = [(1, time(10)), (3, time(11, 30))]
OFFERS = [
    "Presentar el plan de internet por fibra con mayor velocidad",
    "Ofrecer líneas adicionales para la nueva sucursal",
    "Presentar el Multipack para empresas",
]


def _working_days(after, count: int) -> list:
    days, day = [], after
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def load_portfolio_work(*, seed: int = 2026) -> Counter:
    created: Counter = Counter()
    if Campaign.objects.exists() or Visit.objects.exists():
        return created
    rng = random.Random(seed)
    today = timezone.localdate()
    people = User.objects.filter(is_active=True).order_by("username")
    lead = people.filter(role=Role.TEAM_LEAD).first()
    analysts = list(people.filter(role=Role.TECHNICAL_ANALYST))
    with transaction.atomic():
        for executive in people.filter(role=Role.EXECUTIVE):
            campaign_create(
                name=f"Fidelización {MONTHS_ES[today.month - 1]} {today.year}",
                kind=CampaignKind.LOYALTY,
                executive=executive,
                starts_on=today,
                ends_on=today + timedelta(days=7),
                user=executive,
            )
            created["campaigns"] += 1
        created["review_items"] += worklist_refresh(on=today)
        if lead is None or not analysts:
            return created
        companies = list(
            Company.objects.filter(products__status=ProductStatus.ACTIVE)
            .distinct()
            .prefetch_related("contacts", "products")
            .order_by("nit")
        )
        rng.shuffle(companies)
        slots = [
            (analyst, datetime.combine(day, start, tzinfo=timezone.get_current_timezone()), hours)
            for day in _working_days(today, WORKING_DAYS_AHEAD)
            for start, hours in DAY_SLOTS
            for analyst in analysts
        ]
        for (analyst, starts_at, hours), company in zip(slots, companies, strict=False):
            contact = next((c for c in company.contacts.all() if c.is_primary), None)
            product = next(p for p in company.products.all() if p.status == ProductStatus.ACTIVE)
            visit_schedule(
                company=company,
                analyst=analyst,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours),
                person=contact.name if contact else "Encargado(a) de sistemas",
                location=product.installation_address,
                product=product,
                reason=rng.choice(REASONS),
                user=lead,
            )
            created["visits"] += 1
        _plan_commercial_visits(rng, people.filter(role=Role.EXECUTIVE), today, created)
    return created


def _plan_commercial_visits(rng, executives, today, created: Counter) -> None:
    """Two commercial visits for each executive, to companies of her portfolio."""
    days = _working_days(today, WORKING_DAYS_AHEAD)
    zone = timezone.get_current_timezone()
    for executive in executives:
        portfolio = list(
            Company.objects.filter(executive=executive).prefetch_related("contacts").order_by("nit")
        )
        for (day, start), company in zip(COMMERCIAL_SLOTS, rng.sample(portfolio, 2), strict=False):
            contact = next((c for c in company.contacts.all() if c.is_primary), None)
            starts_at = datetime.combine(days[day], start, tzinfo=zone)
            commercial_visit_plan(
                company=company,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                person=contact.name if contact else "Gerente general",
                observations=rng.choice(OFFERS),
                user=executive,
            )
            created["commercial_visits"] += 1
