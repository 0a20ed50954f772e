"""Reads on customers, always scoped by the user who asks."""

from django.db.models import Count, Q, QuerySet

from posventa.common.nit import normalize_nit
from posventa.customers.models import Company, Interaction
from posventa.inventory.models import ProductStatus


def companies_visible_to(user) -> QuerySet[Company]:
    return Company.objects.visible_to(user)


def companies_matching(companies: QuerySet[Company], search: str) -> QuerySet[Company]:
    """The companies whose name holds `search`, or whose NIT starts with its digits."""
    search = (search or "").strip()
    if not search:
        return companies
    condition = Q(legal_name__icontains=search) | Q(trade_name__icontains=search)
    digits = normalize_nit(search)
    if digits.isascii() and digits.isdigit():
        condition |= Q(nit__startswith=digits)
    return companies.filter(condition)


def portfolio_companies(
    *, user, search: str = "", executive_id: int | None = None
) -> QuerySet[Company]:
    """The companies the user may see, filtered by a NIT or name search and
    by executive: the portfolio page's rows, and whose products its Excel
    download of products lists."""
    companies = companies_visible_to(user)
    if executive_id:
        companies = companies.filter(executive_id=executive_id)
    return companies_matching(companies, search)


def portfolio(*, user, search: str = "", executive_id: int | None = None) -> QuerySet[Company]:
    """The companies the user may see, filtered by a NIT or name search and,
    for those who see every portfolio, by executive; by name."""
    companies = portfolio_companies(user=user, search=search, executive_id=executive_id)
    return (
        companies.select_related("executive")
        .annotate(
            product_count=Count("products", filter=~Q(products__status=ProductStatus.WITHDRAWN))
        )
        .order_by("legal_name", "pk")
    )


def company_timeline(*, company: Company, limit: int = 50) -> QuerySet[Interaction]:
    """The company's interactions, newest first."""
    return company.interactions.select_related("recorded_by", "contact").order_by(
        "-occurred_at", "-pk"
    )[:limit]


def company_interactions(*, company: Company) -> QuerySet[Interaction]:
    """All the company's interactions, newest first: the customer page pages them."""
    return company.interactions.select_related("recorded_by", "contact").order_by(
        "-occurred_at", "-pk"
    )
