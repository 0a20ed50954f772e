"""Reads of procedure I: the debtors of a user's portfolio with the age of
their overdue debts, what each customer owes past its due dates, the payment
paths a customer may use, the proforma runs.

Collections read only what is owed past its due date: every read here goes
through `billing.selectors.overdue_invoices` (the rule, `billing.rules`)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Min, QuerySet, Sum
from django.utils import timezone

from posventa.billing.models import Charge
from posventa.billing.rules import (
    AGEING_BUCKETS,
    AGEING_BY_CODE,
    AgeingBucket,
    ageing_bucket,
    days_overdue,
    owed_expression,
)
from posventa.billing.selectors import account_status, overdue_invoices, owing_invoices
from posventa.cases.models import Case, CaseStatus
from posventa.catalog.models import PromiseKept
from posventa.collections.models import PaymentPromise, ProformaRun
from posventa.common.money import bs, format_bs
from posventa.customers.models import Company
from posventa.customers.selectors import companies_matching
from posventa.inventory.models import Product

ZERO = Decimal("0.00")


# --- 3–4. The debtors ---------------------------------------------------------------------


@dataclass
class ProductDebtLine:
    """One product of a debtor: its overdue invoices and what they still owe."""

    product: Product
    overdue_invoices: int
    owed: Decimal
    oldest_due_date: date
    days_overdue: int


@dataclass
class Debtor:
    """A customer with overdue invoices: what it owes past due, since when,
    per product; its open collections case and its last promise."""

    company: Company
    owed: Decimal
    overdue_invoices: int
    oldest_due_date: date
    days_overdue: int
    products: list[ProductDebtLine] = field(default_factory=list)
    open_case: Case | None = None
    last_promise: PaymentPromise | None = None

    @property
    def bucket(self) -> AgeingBucket | None:
        return ageing_bucket(self.days_overdue)


@dataclass(frozen=True)
class BucketTotal:
    """How many debtors are in an ageing band (by their oldest overdue
    invoice), and what they owe past due."""

    bucket: AgeingBucket
    debtors: int
    owed: Decimal


def debtor_rows(
    *, user, today: date, search: str = "", executive_id: int | None = None, bucket: str = ""
) -> QuerySet:
    """One row per customer of the user's portfolio (every portfolio for who
    sees them all) with overdue invoices on `today`: `company` (its id),
    `owed`, `overdue_invoices`, `oldest_due_date`; the most overdue first.
    Filtered by a name or NIT search, an executive and an ageing band (that
    of the customer's oldest overdue invoice). One grouped query, paginated
    in the database."""
    companies = companies_matching(Company.objects.visible_to(user), search)
    if executive_id:
        companies = companies.filter(executive_id=executive_id)
    rows = (
        overdue_invoices(today=today)
        .filter(product__company__in=companies)
        .values("product__company")
        .annotate(
            owed=Sum(owed_expression()),
            overdue_invoices=Count("pk"),
            oldest_due_date=Min("due_date"),
        )
    )
    band = AGEING_BY_CODE.get(bucket)
    if band is not None:
        earliest, latest = band.due_dates(today)
        rows = rows.filter(oldest_due_date__lte=latest)
        if earliest is not None:
            rows = rows.filter(oldest_due_date__gte=earliest)
    return rows.order_by(
        "oldest_due_date", "-owed", "product__company__legal_name", "product__company"
    )


def debtors_of(rows, *, today: date) -> list[Debtor]:
    """The debtors of `debtor_rows` (a page of them), in their order, with
    their products, open collections case and last promise: four queries."""
    rows = list(rows)
    ids = [row["product__company"] for row in rows]
    companies = Company.objects.select_related("executive").in_bulk(ids)
    debtors = {
        row["product__company"]: Debtor(
            company=companies[row["product__company"]],
            owed=bs(row["owed"] or ZERO),
            overdue_invoices=row["overdue_invoices"],
            oldest_due_date=row["oldest_due_date"],
            days_overdue=days_overdue(due_date=row["oldest_due_date"], today=today),
        )
        for row in rows
    }
    per_product = (
        overdue_invoices(today=today)
        .filter(product__company__in=ids)
        .values("product")
        .annotate(
            owed=Sum(owed_expression()),
            overdue_invoices=Count("pk"),
            oldest_due_date=Min("due_date"),
        )
        .order_by()
    )
    per_product = list(per_product)
    products = Product.objects.select_related("plan").in_bulk([r["product"] for r in per_product])
    for r in per_product:
        product = products[r["product"]]
        debtors[product.company_id].products.append(
            ProductDebtLine(
                product=product,
                overdue_invoices=r["overdue_invoices"],
                owed=bs(r["owed"] or ZERO),
                oldest_due_date=r["oldest_due_date"],
                days_overdue=days_overdue(due_date=r["oldest_due_date"], today=today),
            )
        )
    for case in Case.objects.filter(
        company_id__in=ids,
        procedure="I",
        status__in=[CaseStatus.OPEN, CaseStatus.WAITING_CUSTOMER],
    ).order_by("-received_at"):
        debtors[case.company_id].open_case = debtors[case.company_id].open_case or case
    for promise in PaymentPromise.objects.filter(company_id__in=ids).order_by("-created_at", "-pk"):
        debtors[promise.company_id].last_promise = (
            debtors[promise.company_id].last_promise or promise
        )
    for debtor in debtors.values():
        debtor.products.sort(key=lambda p: (-p.days_overdue, p.product.service_number))
    return list(debtors.values())


def debtors_for(
    *, user, today: date, search: str = "", executive_id: int | None = None, bucket: str = ""
) -> list[Debtor]:
    """Every debtor of `debtor_rows`, in full (no page)."""
    rows = debtor_rows(
        user=user, today=today, search=search, executive_id=executive_id, bucket=bucket
    )
    return debtors_of(rows, today=today)


def ageing_summary(rows, *, today: date) -> list[BucketTotal]:
    """Per ageing band, the debtors of `debtor_rows` (unfiltered by band) in
    it and what they owe past due."""
    counts = {bucket.code: [0, ZERO] for bucket in AGEING_BUCKETS}
    for row in rows.values_list("oldest_due_date", "owed"):
        band = ageing_bucket(days_overdue(due_date=row[0], today=today))
        if band is not None:
            counts[band.code][0] += 1
            counts[band.code][1] += row[1] or ZERO
    return [
        BucketTotal(bucket=bucket, debtors=counts[bucket.code][0], owed=bs(counts[bucket.code][1]))
        for bucket in AGEING_BUCKETS
    ]


# --- 5. What the customer owes past due -----------------------------------------------------


@dataclass(frozen=True)
class OverdueLine:
    """An overdue invoice as the call and the dunning letter read it."""

    period: date
    service_number: str
    plan: str
    due_date: date
    days_overdue: int
    owed: Decimal

    def as_text(self) -> str:
        return (
            f"{self.service_number} · {self.plan} · {self.period:%m/%Y} · "
            f"vence {self.due_date:%d/%m/%Y} · {format_bs(self.owed)} · "
            f"{self.days_overdue} días de mora"
        )


def overdue_lines(*, company: Company, today: date) -> list[OverdueLine]:
    """The company's overdue invoices, the oldest first, each with what it
    still owes and its days overdue."""
    return [
        OverdueLine(
            period=invoice.period,
            service_number=invoice.product.service_number,
            plan=invoice.product.plan.name,
            due_date=invoice.due_date,
            days_overdue=invoice.days_overdue(today),
            owed=bs(invoice.owed),
        )
        for invoice in overdue_invoices(today=today, company=company)
    ]


def overdue_total(*, company: Company, today: date) -> Decimal:
    """What the company owes past its due dates on `today`."""
    return account_status(company=company, today=today).overdue_amount


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


def promise_kept(*, promise: PaymentPromise, today: date, rule: str) -> bool:
    """Step 6: was the promise kept? By the team's rule (`catalog.PromiseKept`,
    not the manual's, which does not say):

    - `promised_amount`: of what was overdue on the day of the promise, the
      customer paid at least the promised amount — what those invoices still
      owe now is at most what they owed then less the promise;
    - `all_overdue`: every invoice that was overdue on the day of the promise
      is paid.

    What was not due yet that day counts in neither. (A promise recorded
    before the amount owed was kept: all of it, whatever the rule.)"""
    promised_day = timezone.localdate(promise.created_at)
    still_owed = overdue_total(company=promise.company, today=promised_day)
    if promise.owed_when_promised is None or rule == PromiseKept.ALL_OVERDUE:
        return still_owed == 0
    return still_owed <= promise.owed_when_promised - promise.amount


def nothing_overdue(*, company: Company, today: date) -> bool:
    """The customer says it paid: true when nothing is overdue on `today`."""
    return not overdue_invoices(today=today, company=company).exists()


def unbilled_charges(product_ids) -> dict[int, Decimal]:
    rows = (
        Charge.objects.filter(product_id__in=product_ids, invoice__isnull=True)
        .values("product_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["product_id"]: r["total"] for r in rows}


def pending_by_product(product_ids) -> dict[int, Decimal]:
    """What each product still owes from earlier invoices (due or not yet),
    for its proforma."""
    rows = (
        owing_invoices()
        .filter(product_id__in=product_ids)
        .values("product_id")
        .annotate(total=Sum(owed_expression()))
        .order_by()
    )
    return {r["product_id"]: bs(r["total"] or ZERO) for r in rows}


def latest_runs(limit: int = 10):
    return ProformaRun.objects.select_related("started_by").order_by("-created_at")[:limit]


def companies_with_products():
    """The companies whose contracts get a proforma (every portfolio)."""
    return Company.objects.filter(
        pk__in=Product.objects.exclude(status="withdrawn").values("company_id")
    ).order_by("pk")
