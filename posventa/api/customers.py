"""Customers in the API: the portfolio (the web's /clientes/, with its search
and executive filter), a customer with its contacts and account, a contact's
data kept up to date, and the interactions — read, and recorded as the
customer page's form records them (`customers.services.interaction_record`).

Scoped as the web: an executive sees her portfolio, the other roles every
customer; another portfolio's customer or contact answers 404, exactly as a
missing one.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from posventa.accounts.roles import sees_every_portfolio
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Id, Moment, Text
from posventa.billing.selectors import account_status
from posventa.common.models import Channel
from posventa.customers.forms import SEARCH_MAX_LENGTH
from posventa.customers.models import Company, Contact, Direction, Interaction
from posventa.customers.selectors import company_interactions, portfolio
from posventa.customers.services import contact_update, interaction_record

router = Router(tags=["customers"])

ChannelCode = Choice(Channel)
DirectionCode = Choice(Direction)

# The interaction form's limit on what was said (customers/forms.py).
SUMMARY_MAX_LENGTH = Interaction._meta.get_field("summary").max_length


def _max(model, field: str) -> int:
    return model._meta.get_field(field).max_length


# --- schemas ----------------------------------------------------------------------------


class CompanyRowOut(Schema):
    id: int
    nit: str
    legal_name: str
    trade_name: str
    city: str
    executive: str
    is_public_institution: bool
    products: int = Field(description="Products not withdrawn.")


class ContactOut(Schema):
    id: int
    name: str
    position: str
    phone: str
    whatsapp: str
    email: str
    preferred_channel: ChannelCode
    is_primary: bool


class AccountOut(Schema):
    """What the customer owes today (America/La_Paz)."""

    on: date
    up_to_date: bool = Field(description="No invoice unpaid past its due date.")
    pending_amount: Decimal
    pending_invoices: int
    overdue_amount: Decimal
    overdue_invoices: int
    oldest_overdue_due_date: date | None


class CompanyOut(CompanyRowOut):
    address: str
    zone: str
    neighbourhood: str
    open_cases: int
    contacts: list[ContactOut]
    account: AccountOut


class ContactIn(Schema):
    """The fields to change; those left out keep their value."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        # ninja's Schema reads any value by its attributes: with every field
        # optional, a list or a string would pass as "no change".
        if not isinstance(getattr(data, "_obj", data), dict):  # ninja's DjangoGetter wraps it
            raise PydanticCustomError("model_type", "Input should be an object")
        return data

    name: Text(_max(Contact, "name"), min_length=1) | None = None
    position: Text(_max(Contact, "position")) | None = None
    phone: Text(_max(Contact, "phone")) | None = None
    whatsapp: Text(_max(Contact, "whatsapp")) | None = None
    email: Text(_max(Contact, "email")) | None = None
    preferred_channel: ChannelCode | None = None
    is_primary: bool | None = Field(
        None, description="true makes it the primary contact (the old one stops being it)."
    )


class InteractionOut(Schema):
    id: int
    occurred_at: datetime
    channel: ChannelCode
    direction: DirectionCode
    contact_id: int | None
    contact: str | None
    summary: str
    recorded_by: str
    case: str | None


class InteractionIn(Schema):
    channel: ChannelCode
    direction: DirectionCode = Direction.OUTBOUND
    summary: Text(SUMMARY_MAX_LENGTH, min_length=1) = Field(description="What was said.")
    occurred_at: Moment | None = Field(None, description="When; now by default.")
    contact_id: Id | None = Field(None, description="One of this customer's contacts.")


# --- answers ----------------------------------------------------------------------------


def _company_row(company: Company) -> dict:
    return {
        "id": company.pk,
        "nit": company.nit,
        "legal_name": company.legal_name,
        "trade_name": company.trade_name,
        "city": company.city,
        "executive": company.executive.username,
        "is_public_institution": company.is_public_institution,
        "products": company.product_count,
    }


def _contact_out(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "name": contact.name,
        "position": contact.position,
        "phone": contact.phone,
        "whatsapp": contact.whatsapp,
        "email": contact.email,
        "preferred_channel": contact.preferred_channel,
        "is_primary": contact.is_primary,
    }


def _interaction_out(interaction: Interaction) -> dict:
    return {
        "id": interaction.pk,
        "occurred_at": interaction.occurred_at,
        "channel": interaction.channel,
        "direction": interaction.direction,
        "contact_id": interaction.contact_id,
        "contact": interaction.contact.name if interaction.contact_id else None,
        "summary": interaction.summary,
        "recorded_by": interaction.recorded_by.username,
        "case": interaction.case.number if interaction.case_id else None,
    }


def visible_company(request, company_id: int) -> Company:
    """A customer the user may see; another portfolio's is a 404."""
    return get_object_or_404(
        Company.objects.visible_to(request.user).select_related("executive"), pk=company_id
    )


# --- endpoints --------------------------------------------------------------------------


@router.get("", response=responses({200: list[CompanyRowOut]}), openapi_extra=PAGED)
def list_customers(
    request,
    response: HttpResponse,
    q: Text(SEARCH_MAX_LENGTH) = "",
    executive_id: Id | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The portfolio, by name: `q` searches the legal and trade names, or a NIT
    by its first digits; `executive_id` (for the roles that see every
    portfolio) one executive's customers — an executive sees her own whatever
    she sends, as on the web."""
    if not sees_every_portfolio(request.user):
        executive_id = None
    companies = portfolio(user=request.user, search=q, executive_id=executive_id)
    return [_company_row(c) for c in page(request, response, companies, limit=limit, offset=offset)]


@router.get("/{company_id}", response=responses({200: CompanyOut}, 404))
def get_customer(request, company_id: Id):
    """A customer with its contacts (the primary first), its open cases and
    what it owes today."""
    company = get_object_or_404(
        portfolio(user=request.user).select_related(None).select_related("executive"),
        pk=company_id,
    )
    today = timezone.localdate()
    account = account_status(company=company, today=today)
    return {
        **_company_row(company),
        "address": company.address,
        "zone": company.zone,
        "neighbourhood": company.neighbourhood,
        "open_cases": company.cases.exclude(status="closed").count(),
        "contacts": [_contact_out(c) for c in company.contacts.all()],
        "account": {
            "on": today,
            "up_to_date": account.up_to_date,
            "pending_amount": account.pending_amount,
            "pending_invoices": account.pending_invoices,
            "overdue_amount": account.overdue_amount,
            "overdue_invoices": account.overdue_invoices,
            "oldest_overdue_due_date": account.oldest_overdue_due_date,
        },
    }


@router.patch(
    "/{company_id}/contacts/{contact_id}",
    response=responses({200: ContactOut}, 403, 404, body=True),
)
def update_contact(request, company_id: Id, contact_id: Id, payload: ContactIn):
    """Change a contact's phone, WhatsApp, e-mail, name, position, preferred
    channel, or make it the primary contact: the customer's executive, the
    team lead and the division head (403 for the other roles)."""
    company = visible_company(request, company_id)
    contact = get_object_or_404(Contact, company=company, pk=contact_id)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    contact = contact_update(contact=contact, user=request.user, **changes)
    return _contact_out(contact)


@router.get(
    "/{company_id}/interactions",
    response=responses({200: list[InteractionOut]}, 404),
    openapi_extra=PAGED,
)
def list_interactions(
    request,
    response: HttpResponse,
    company_id: Id,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The customer's interactions, newest first."""
    company = visible_company(request, company_id)
    interactions = company_interactions(company=company).select_related("case")
    return [
        _interaction_out(i)
        for i in page(request, response, interactions, limit=limit, offset=offset)
    ]


@router.post(
    "/{company_id}/interactions",
    response=responses({201: InteractionOut}, 403, 404, body=True),
)
def add_interaction(request, company_id: Id, payload: InteractionIn):
    """Record a contact with the customer, as the customer page's form does:
    not in the future, with one of its own contacts."""
    company = visible_company(request, company_id)
    contact = None
    if payload.contact_id is not None:
        contact = company.contacts.filter(pk=payload.contact_id).first()
        if contact is None:
            raise ValidationError(
                {"contact_id": _("The contact does not belong to this customer.")}
            )
    interaction = interaction_record(
        company=company,
        user=request.user,
        channel=payload.channel,
        direction=payload.direction,
        summary=payload.summary,
        occurred_at=payload.occurred_at,
        contact=contact,
    )
    interaction = Interaction.objects.select_related("contact", "recorded_by", "case").get(
        pk=interaction.pk
    )
    return Status(201, _interaction_out(interaction))
