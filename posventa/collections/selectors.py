"""Reads of procedure I: an executive's debtors with the age of their debts,
the payment paths a customer may use, the proforma runs."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Min, Sum
from django.utils.translation import gettext as _

from posventa.billing.models import Charge, Invoice
from posventa.cases.models import Case, CaseStatus
from posventa.collections.models import PaymentPromise, ProformaRun
from posventa.common.money import bs
from posventa.customers.models import Company
from posventa.inventory.models import Product

ZERO = Decimal("0.00")


@dataclass
class ProductDebtLine:
    product: Product
    pending_amount: Decimal
    pending_invoices: int
    oldest_due_date: date
    days_overdue: int


@dataclass
class Debtor:
    company: Company
    products: list[ProductDebtLine] = field(default_factory=list)
    open_case: Case | None = None
    last_promise: PaymentPromise | None = None

    @property
    def pending_amount(self) -> Decimal:
        return sum((p.pending_amount for p in self.products), ZERO)

    @property
    def pending_invoices(self) -> int:
        return sum(p.pending_invoices for p in self.products)

    @property
    def days_overdue(self) -> int:
        return max((p.days_overdue for p in self.products), default=0)


def debtors_for(*, user, today: date) -> list[Debtor]:
    """The customers of the user's portfolio (every portfolio for who sees
    them all) with pending invoices, per contract and product, the most
    overdue first; with the open collections case and the last promise."""
    companies = Company.objects.visible_to(user)
    rows = (
        Invoice.objects.filter(paid_on__isnull=True, product__company__in=companies)
        .values("product_id")
        .annotate(
            pending_amount=Sum("amount"),
            pending_invoices=Count("pk"),
            oldest_due_date=Min("due_date"),
        )
        .order_by()
    )
    rows = list(rows)
    products = Product.objects.select_related("plan__product_type", "company").in_bulk(
        [r["product_id"] for r in rows]
    )
    debtors: dict[int, Debtor] = {}
    for r in rows:
        product = products[r["product_id"]]
        debtor = debtors.setdefault(product.company_id, Debtor(company=product.company))
        debtor.products.append(
            ProductDebtLine(
                product=product,
                pending_amount=bs(r["pending_amount"] or ZERO),
                pending_invoices=r["pending_invoices"],
                oldest_due_date=r["oldest_due_date"],
                days_overdue=max((today - r["oldest_due_date"]).days, 0),
            )
        )
    for case in Case.objects.filter(
        company_id__in=debtors,
        procedure="I",
        status__in=[CaseStatus.OPEN, CaseStatus.WAITING_CUSTOMER],
    ).order_by("received_at"):
        debtors[case.company_id].open_case = case
    for promise in PaymentPromise.objects.filter(company_id__in=debtors).order_by("created_at"):
        debtors[promise.company_id].last_promise = promise
    for debtor in debtors.values():
        debtor.products.sort(key=lambda p: (-p.days_overdue, p.product.service_number))
    return sorted(
        debtors.values(),
        key=lambda d: (-d.days_overdue, -d.pending_amount, d.company.legal_name),
    )


def pending_invoice_lines(*, company: Company, today: date) -> list[str]:
    """The company's pending invoices as the executive reads them on the call."""
    invoices = (
        Invoice.objects.filter(product__company=company, paid_on__isnull=True)
        .select_related("product__plan")
        .order_by("due_date", "product__service_number")
    )
    lines = []
    for invoice in invoices:
        days = (today - invoice.due_date).days
        age = _("%(days)s days overdue") % {"days": days} if days > 0 else _("not due yet")
        lines.append(
            f"{invoice.product.service_number} · {invoice.product.plan.name} · "
            f"{invoice.period:%m/%Y} · Bs {invoice.amount} · {age}"
        )
    return lines


def pending_total(*, company: Company) -> Decimal:
    row = Invoice.objects.filter(product__company=company, paid_on__isnull=True).aggregate(
        total=Sum("amount")
    )
    return bs(row["total"] or ZERO)


def oldest_overdue_due_date(*, company: Company, today: date) -> date | None:
    return Invoice.objects.filter(
        product__company=company, paid_on__isnull=True, due_date__lt=today
    ).aggregate(oldest=Min("due_date"))["oldest"]


def payment_paths(company: Company) -> list[str]:
    """Step 5.1: how this customer can pay (the manual's three paths)."""
    if company.is_public_institution:
        return [
            "SIGEP: la institución realiza el SIGEP, pasa por Facturación de la empresa "
            "a sellarlo y recoge la factura en cajas."
        ]
    return [
        "Página web de Comteco (clientes con datos actualizados).",
        "Banca: en cualquiera de los bancos habilitados.",
    ]


def paid_since(*, company: Company, since: date) -> bool:
    """Whether the customer no longer owes what was overdue: every invoice due
    before `since` is paid."""
    return not Invoice.objects.filter(
        product__company=company, paid_on__isnull=True, due_date__lt=since
    ).exists()


def unbilled_charges(product_ids) -> dict[int, Decimal]:
    rows = (
        Charge.objects.filter(product_id__in=product_ids, invoice__isnull=True)
        .values("product_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["product_id"]: r["total"] for r in rows}


def pending_by_product(product_ids) -> dict[int, Decimal]:
    rows = (
        Invoice.objects.filter(product_id__in=product_ids, paid_on__isnull=True)
        .values("product_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["product_id"]: r["total"] for r in rows}


def latest_runs(limit: int = 10):
    return ProformaRun.objects.select_related("started_by").order_by("-created_at")[:limit]


def companies_with_products():
    """The companies whose contracts get a proforma (every portfolio)."""
    return Company.objects.filter(
        pk__in=Product.objects.exclude(status="withdrawn").values("company_id")
    ).order_by("pk")
