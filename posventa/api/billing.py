"""The customers' invoices and debts in the API (read): the monthly invoices
with what is still owed on each, and a customer's account — what it owes,
how much of it is overdue, product by product — as the customer page's
billing section shows it (`billing.selectors`).

Scoped by the customer: an invoice or an account of a customer the user may
not see answers 404, exactly as a missing one."""

from datetime import date
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from posventa.api.customers import visible_company
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Id
from posventa.billing.models import Invoice
from posventa.billing.rules import overdue_q, owing_q
from posventa.billing.selectors import account_status, debt_by_product
from posventa.customers.models import Company

router = Router(tags=["billing"])

InvoiceState = Choice(
    [
        ("owing", _("Still owes (due or not)")),
        ("overdue", _("Owes past its due date")),
        ("paid", _("Paid in full")),
    ]
)


class PaymentOut(Schema):
    reference: str
    paid_on: date
    amount: Decimal


class InvoiceOut(Schema):
    id: int
    number: str
    company_id: int
    company: str
    product_id: int
    service_number: str
    period: str = Field(description="The billed month, YYYY-MM.")
    amount: Decimal
    amount_paid: Decimal
    owed: Decimal
    due_date: date
    paid_on: date | None
    overdue: bool
    days_overdue: int


class InvoiceDetail(InvoiceOut):
    payments: list[PaymentOut]


class ProductDebtOut(Schema):
    product_id: int
    service_number: str
    pending_amount: Decimal
    pending_invoices: int
    overdue_amount: Decimal
    overdue_invoices: int
    oldest_overdue_due_date: date | None
    days_overdue: int


class AccountDetail(Schema):
    company_id: int
    on: date
    up_to_date: bool = Field(description="No invoice unpaid past its due date.")
    pending_amount: Decimal
    pending_invoices: int
    overdue_amount: Decimal
    overdue_invoices: int
    oldest_overdue_due_date: date | None
    products: list[ProductDebtOut] = Field(description="Those that owe, the most overdue first.")


def _invoice_out(invoice: Invoice, today: date) -> dict:
    product = invoice.product
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "company_id": product.company_id,
        "company": product.company.display_name,
        "product_id": product.pk,
        "service_number": product.service_number,
        "period": f"{invoice.period:%Y-%m}",
        "amount": invoice.amount,
        "amount_paid": invoice.amount_paid,
        "owed": invoice.owed,
        "due_date": invoice.due_date,
        "paid_on": invoice.paid_on,
        "overdue": invoice.is_overdue(today),
        "days_overdue": invoice.days_overdue(today),
    }


def _invoices_visible_to(user):
    return Invoice.objects.filter(
        product__company__in=Company.objects.visible_to(user)
    ).select_related("product__company")


@router.get("/invoices", response=responses({200: list[InvoiceOut]}), openapi_extra=PAGED)
def list_invoices(
    request,
    response: HttpResponse,
    company_id: Id | None = None,
    product_id: Id | None = None,
    state: InvoiceState | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The invoices of the customers I may see, the newest month first: of a
    customer, a product; `state` owing (due or not), overdue (on today, La
    Paz) or paid."""
    today = timezone.localdate()
    invoices = _invoices_visible_to(request.user)
    if company_id:
        invoices = invoices.filter(product__company_id=company_id)
    if product_id:
        invoices = invoices.filter(product_id=product_id)
    if state == "owing":
        invoices = invoices.filter(owing_q())
    elif state == "overdue":
        invoices = invoices.filter(overdue_q(today))
    elif state == "paid":
        invoices = invoices.exclude(owing_q())
    invoices = invoices.order_by("-period", "product__service_number", "-pk")
    return [
        _invoice_out(i, today)
        for i in page(request, response, invoices, limit=limit, offset=offset)
    ]


@router.get("/invoices/{invoice_id}", response=responses({200: InvoiceDetail}, 404))
def get_invoice(request, invoice_id: Id):
    """An invoice with the payments received against it."""
    invoice = get_object_or_404(_invoices_visible_to(request.user), pk=invoice_id)
    today = timezone.localdate()
    return {
        **_invoice_out(invoice, today),
        "payments": [
            {"reference": p.reference, "paid_on": p.paid_on, "amount": p.amount}
            for p in invoice.payments.all()
        ],
    }


@router.get("/accounts/{company_id}", response=responses({200: AccountDetail}, 404))
def get_account(request, company_id: Id):
    """What a customer owes today (La Paz): in all, past the due dates, and
    product by product (those that owe, the most overdue first) — procedure
    D's "account up to date" is `up_to_date`."""
    company = visible_company(request, company_id)
    today = timezone.localdate()
    account = account_status(company=company, today=today)
    return {
        "company_id": company.pk,
        "on": today,
        "up_to_date": account.up_to_date,
        "pending_amount": account.pending_amount,
        "pending_invoices": account.pending_invoices,
        "overdue_amount": account.overdue_amount,
        "overdue_invoices": account.overdue_invoices,
        "oldest_overdue_due_date": account.oldest_overdue_due_date,
        "products": [
            {
                "product_id": d.product.pk,
                "service_number": d.product.service_number,
                "pending_amount": d.pending_amount,
                "pending_invoices": d.pending_invoices,
                "overdue_amount": d.overdue_amount,
                "overdue_invoices": d.overdue_invoices,
                "oldest_overdue_due_date": d.oldest_overdue_due_date,
                "days_overdue": d.days_overdue(today),
            }
            for d in debt_by_product(company=company, today=today)
        ],
    }
