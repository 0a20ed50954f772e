"""Reads on billing: is the customer's account up to date, and what does it owe?

Every read of a debt goes through `owing_invoices` (something still owed, due
or not) or `overdue_invoices` (still owed past the due date), which apply the
rules of `billing/rules.py` and carry what is still owed on each invoice."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Min, QuerySet, Sum

from posventa.billing.models import Invoice
from posventa.billing.rules import days_overdue, overdue_q, owed_expression, owing_q
from posventa.common.money import bs
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
        return days_overdue(due_date=self.oldest_overdue_due_date, today=today)


def owing_invoices(*, company: Company | None = None) -> QuerySet[Invoice]:
    """The invoices that still owe something (due or not yet due) — of one
    company, or of everyone — the oldest due first. What is still owed on
    each is `invoice.owed`; summed, `Sum(rules.owed_expression())`."""
    invoices = Invoice.objects.filter(owing_q())
    if company is not None:
        invoices = invoices.filter(product__company=company)
    return invoices.select_related("product__plan", "product__company").order_by(
        "due_date", "product__service_number", "pk"
    )


def overdue_invoices(*, today: date, company: Company | None = None) -> QuerySet[Invoice]:
    """The overdue invoices on `today` (still owing after their due date:
    `rules.is_overdue`) — of one company, or of everyone — each with what is
    still owed on it (`invoice.owed`); the oldest due first. Scope it by user
    (`product__company__in`) where a person reads it."""
    return owing_invoices(company=company).filter(overdue_q(today))


def _debt_aggregates(today: date) -> dict:
    overdue = overdue_q(today)
    return {
        "pending_amount": Sum(owed_expression()),
        "pending_invoices": Count("pk"),
        "overdue_amount": Sum(owed_expression(), filter=overdue),
        "overdue_invoices": Count("pk", filter=overdue),
        "oldest_overdue_due_date": Min("due_date", filter=overdue),
    }


def account_status(*, company: Company, today: date) -> AccountStatus:
    """What the company owes on `today`, in one query: still owed in all
    (`pending_*`) and of it, past the due date (`overdue_*`)."""
    row = Invoice.objects.filter(owing_q(), product__company=company).aggregate(
        **_debt_aggregates(today)
    )
    return AccountStatus(
        pending_amount=bs(row["pending_amount"] or ZERO),
        pending_invoices=row["pending_invoices"],
        overdue_amount=bs(row["overdue_amount"] or ZERO),
        overdue_invoices=row["overdue_invoices"],
        oldest_overdue_due_date=row["oldest_overdue_due_date"],
    )


def is_account_up_to_date(*, company: Company, today: date) -> bool:
    """Procedure D's condition: no invoice overdue."""
    return not overdue_invoices(today=today, company=company).exists()


def debt_by_product(*, company: Company, today: date) -> list[ProductDebt]:
    """Per product, what is still unpaid and how much of it is overdue; only
    products that owe something, the most overdue first."""
    rows = (
        Invoice.objects.filter(owing_q(), product__company=company)
        .values("product_id")
        .annotate(**_debt_aggregates(today))
        .order_by()
    )
    products = Product.objects.select_related("plan__product_type").in_bulk(
        [r["product_id"] for r in rows]
    )
    debts = [
        ProductDebt(
            product=products[r["product_id"]],
            pending_amount=bs(r["pending_amount"] or ZERO),
            pending_invoices=r["pending_invoices"],
            overdue_amount=bs(r["overdue_amount"] or ZERO),
            overdue_invoices=r["overdue_invoices"],
            oldest_overdue_due_date=r["oldest_overdue_due_date"],
        )
        for r in rows
    ]
    return sorted(
        debts,
        key=lambda d: (d.oldest_overdue_due_date or date.max, d.product.service_number),
    )
