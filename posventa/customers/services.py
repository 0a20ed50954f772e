"""Writes on customers: companies, their contacts, and every contact we have with them."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, can
from posventa.common.models import Channel
from posventa.common.nit import normalize_nit
from posventa.common.services import clean_own_fields
from posventa.customers.models import (
    Company,
    Contact,
    Direction,
    Interaction,
    company_visible_to,
)
from posventa.integrations.handback import interaction_hand_back

# A clock a few minutes fast on someone's phone is not an interaction "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)


@transaction.atomic
def company_create(
    *,
    nit: str,
    legal_name: str,
    address: str,
    executive,
    trade_name: str = "",
    zone: str = "",
    neighbourhood: str = "",
    city: str = "Cochabamba",
    is_public_institution: bool = False,
) -> Company:
    """Add an enterprise customer to an executive's portfolio."""
    if not can(executive, Capability.OWN_PORTFOLIO) or executive.is_superuser:
        raise ValidationError({"executive": _("The portfolio owner must be an executive.")})
    company = Company(
        nit=normalize_nit(nit),
        legal_name=legal_name.strip(),
        trade_name=trade_name.strip(),
        address=address.strip(),
        zone=zone.strip(),
        neighbourhood=neighbourhood.strip(),
        city=city.strip(),
        is_public_institution=is_public_institution,
        executive=executive,
    )
    company.full_clean()
    company.save()
    return company


@transaction.atomic
def contact_create(
    *,
    company: Company,
    name: str,
    position: str = "",
    phone: str = "",
    whatsapp: str = "",
    email: str = "",
    preferred_channel: str = Channel.EMAIL,
    is_primary: bool = False,
) -> Contact:
    """Add a person at the company; a new primary contact replaces the old one."""
    contact = Contact(
        company=company,
        name=name.strip(),
        position=position.strip(),
        phone=phone.strip(),
        whatsapp=whatsapp.strip(),
        email=email.strip(),
        preferred_channel=preferred_channel,
        is_primary=is_primary,
    )
    contact.full_clean(validate_constraints=False)
    if is_primary:
        # update() skips auto_now: say when the old primary stopped being one.
        company.contacts.filter(is_primary=True).update(is_primary=False, updated_at=timezone.now())
    contact.save()
    return contact


@transaction.atomic
def interaction_record(
    *,
    company: Company,
    user,
    channel: str,
    direction: str,
    summary: str,
    occurred_at: datetime | None = None,
    contact: Contact | None = None,
    case=None,
) -> Interaction:
    """Record one contact with the customer (the manual's "ingresa interacción"),
    as part of a case when given."""
    return interaction_record_within(
        company=company,
        user=user,
        channel=channel,
        direction=direction,
        summary=summary,
        occurred_at=occurred_at,
        contact=contact,
        case=case,
    )


def interaction_record_within(
    *,
    company: Company,
    user,
    channel: str,
    direction: str,
    summary: str,
    occurred_at: datetime | None = None,
    contact: Contact | None = None,
    case=None,
) -> Interaction:
    """`interaction_record` inside the caller's transaction, with no savepoint
    of its own (opening a case, completing a step): the same rules, two
    inserts — the interaction and its entry for the commercial system."""
    if not can(user, Capability.RECORD_INTERACTION):
        raise PermissionDenied(_("Your role cannot record interactions."))
    if not company_visible_to(company, user):
        raise PermissionDenied(_("This customer is not in your portfolio."))
    errors = {}
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = _("Write what was talked about.")
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        errors["occurred_at"] = _("An interaction cannot be in the future.")
    if contact is not None and contact.company_id != company.pk:
        errors["contact"] = _("The contact does not belong to this customer.")
    if case is not None and case.company_id != company.pk:
        errors["case"] = _("The case is not of this customer.")
    if errors:
        raise ValidationError(errors)
    interaction = Interaction(
        company=company,
        recorded_by=user,
        channel=channel,
        direction=direction or Direction.OUTBOUND,
        summary=summary,
        occurred_at=occurred_at,
        contact=contact,
        case=case,
    )
    # The company, contact and case are rows the caller holds: their
    # existence is the database's to check, in the insert itself.
    clean_own_fields(interaction)
    interaction.save(force_insert=True)
    # The commercial system records it too (integrations.handback).
    interaction_hand_back(interaction)
    return interaction


# Who keeps a contact's data: the customer's executive, and those who oversee
# every portfolio (the team lead, the division head). The technical roles and
# the commercial manager read it to reach the customer.
CONTACT_FIELDS = ("name", "position", "phone", "whatsapp", "email", "preferred_channel")


def may_edit_contacts(user, company: Company) -> bool:
    """Whether `user` may change the data of `company`'s contacts."""
    if not company_visible_to(company, user):
        return False
    if can(user, Capability.OWN_PORTFOLIO):
        return company.executive_id == user.pk
    return can(user, Capability.VIEW_TEAM_INDICATORS)


@transaction.atomic
def contact_update(*, contact: Contact, user, **changes) -> Contact:
    """Change a contact's data (name, position, phone, WhatsApp, e-mail,
    preferred channel; `is_primary=True` makes it the primary contact, and
    the old one stops being it). Only the given fields change; the model's
    rules check them (an e-mail that is not one, a channel not known, a name
    left empty), with the admin's messages, and nothing changes on error."""
    company = contact.company
    if not may_edit_contacts(user, company):
        raise PermissionDenied(
            _(
                "Only the customer's executive, the team lead and the division head "
                "change a contact's data."
            )
        )
    unknown = set(changes) - {*CONTACT_FIELDS, "is_primary"}
    if unknown:
        raise ValueError(f"Not a contact's field: {', '.join(sorted(unknown))}")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    for field, value in changes.items():
        setattr(contact, field, value.strip() if isinstance(value, str) else value)
    if "name" in changes and not contact.name:
        raise ValidationError({"name": _("Give the contact's name.")})
    contact.full_clean(validate_constraints=False)
    if changes.get("is_primary"):
        # update() skips auto_now: say when the old primary stopped being one.
        company.contacts.filter(is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False, updated_at=timezone.now()
        )
    contact.save()
    return contact
