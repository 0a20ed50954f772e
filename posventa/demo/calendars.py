"""The portfolio work of the demo's week (procedures J, K and L): each
executive's loyalty campaign, the analysts' review list found in the data,
and visits in the shared calendar over the next working days — so the
campaign, review and calendar pages have something to show.

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
from posventa.visits.services import visit_schedule

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
    return created
