"""Reads on billing: is the customer's account up to date, and what does it owe?"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum

from posventa.billing.models import Invoice
from posventa.customers.models import Company
from posventa.inventory.models import Product

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AccountStatus:
    """The customer's account on a given day."""

    pending_amount: Decimal
    pending_invoices: int
    overdue_amount: Decimal
    overdue_invoices: int
    oldest_overdue_due_date: date | None

    @property
    def up_to_date(self) -> bool:
        """Procedure D's condition: no invoice unpaid past its due date."""
        return self.overdue_invoices == 0


@dataclass(frozen=True)
class ProductDebt:
    product: Product
    pending_amount: Decimal
    pending_invoices: int
    overdue_amount: Decimal
    overdue_invoices: int
    oldest_overdue_due_date: date | None

    def days_overdue(self, today: date) -> int:
        if self.oldest_overdue_due_date is None:
            return 0
        return (today - self.oldest_overdue_due_date).days


def _debt_aggregates(today: date) -> dict:
    overdue = Q(due_date__lt=today)
    return {
        "pending_amount": Sum("amount"),
        "pending_invoices": Count("pk"),
        "overdue_amount": Sum("amount", filter=overdue),
        "overdue_invoices": Count("pk", filter=overdue),
        "oldest_overdue_due_date": Min("due_date", filter=overdue),
    }


def account_status(*, company: Company, today: date) -> AccountStatus:
    """What the company owes on `today`, in one query."""
    row = Invoice.objects.filter(product__company=company, paid_on__isnull=True).aggregate(
        **_debt_aggregates(today)
    )
    return AccountStatus(
        pending_amount=row["pending_amount"] or ZERO,
        pending_invoices=row["pending_invoices"],
        overdue_amount=row["overdue_amount"] or ZERO,
        overdue_invoices=row["overdue_invoices"],
        oldest_overdue_due_date=row["oldest_overdue_due_date"],
    )


def is_account_up_to_date(*, company: Company, today: date) -> bool:
    return not Invoice.objects.filter(
        product__company=company, paid_on__isnull=True, due_date__lt=today
    ).exists()


def debt_by_product(*, company: Company, today: date) -> list[ProductDebt]:
    """Per product, what is still unpaid and how much of it is overdue; only
    products that owe something, the most overdue first."""
    rows = (
        Invoice.objects.filter(product__company=company, paid_on__isnull=True)
        .values("product_id")
        .annotate(**_debt_aggregates(today))
    )
    products = Product.objects.select_related("plan__product_type").in_bulk(
        [r["product_id"] for r in rows]
    )
    debts = [
        ProductDebt(
            product=products[r["product_id"]],
            pending_amount=r["pending_amount"] or ZERO,
            pending_invoices=r["pending_invoices"],
            overdue_amount=r["overdue_amount"] or ZERO,
            overdue_invoices=r["overdue_invoices"],
            oldest_overdue_due_date=r["oldest_overdue_due_date"],
        )
        for r in rows
    ]
    return sorted(
        debts,
        key=lambda d: (d.oldest_overdue_due_date or date.max, d.product.service_number),
    )
