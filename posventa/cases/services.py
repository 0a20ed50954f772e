"""Writes on cases. `case_open` is the single way a request gets in — from a
person, a channel or the API."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, can
from posventa.cases.models import Case, CaseDocument, CaseNumberCounter, Procedure
from posventa.cases.rules import attention_due
from posventa.common.uploads import accept_upload
from posventa.customers.models import Company, Direction
from posventa.customers.services import interaction_record
from posventa.engine import services as engine
from posventa.engine.models import ProcessVersion
from posventa.inventory.models import Product
from posventa.procedures.catalog import (
    customer_asked,
    needs_product,
    process_id_for,
    products_for,
)

FUTURE_TOLERANCE = timedelta(minutes=5)


def next_case_number(year: int) -> str:
    """PV-2026-000123: the year's next number, under a row lock."""
    counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"PV-{year}-{counter.last:06d}"


@transaction.atomic
def case_open(
    *,
    company: Company,
    procedure: str,
    channel: str,
    subject: str,
    user,
    description: str = "",
    received_at: datetime | None = None,
    product: Product | None = None,
    documents: list[tuple[str, object]] = (),
) -> Case:
    """Register a customer's request and start its procedure's process.

    The intake is recorded as an inbound interaction of the case (unless
    the team started it by calling: `catalog.TEAM_INITIATED`); documents
    (kind, uploaded file) are kept with it."""
    if not Company.objects.visible_to(user).filter(pk=company.pk).exists():
        raise PermissionDenied(_("This customer is not in your portfolio."))
    errors = {}
    process_id = process_id_for(procedure)
    if procedure not in Procedure.values:
        errors["procedure"] = _("Choose one of the manual's procedures.")
    elif process_id is None or not ProcessVersion.objects.filter(process_id=process_id).exists():
        errors["procedure"] = _("This procedure does not run in the system yet.")
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + FUTURE_TOLERANCE:
        errors["received_at"] = _("A request cannot arrive in the future.")
    if product is not None and product.company_id != company.pk:
        errors["product"] = _("The product is not of this customer.")
    elif product is None and needs_product(procedure):
        errors["product"] = _("Choose the product the request is about.")
    elif (
        product is not None and not products_for(procedure, company).filter(pk=product.pk).exists()
    ):
        errors["product"] = _("This procedure does not apply to this product.")
    if not (subject or "").strip():
        errors["subject"] = _("Say briefly what the customer asks for.")
    if errors:
        raise ValidationError(errors)

    case = Case(
        number=next_case_number(timezone.localtime(received_at).year),
        company=company,
        product=product,
        procedure=procedure,
        channel=channel,
        received_at=received_at,
        subject=subject.strip(),
        description=(description or "").strip(),
        opened_by=user,
    )
    case.full_clean()
    case.save()
    for kind, file in documents:
        document_add(case=case, kind=kind, file=file, user=user)
    if customer_asked(procedure) and can(user, Capability.RECORD_INTERACTION):
        interaction_record(
            company=company,
            user=user,
            channel=channel,
            direction=Direction.INBOUND,
            summary=_("Request %(number)s received: %(subject)s")
            % {"number": case.number, "subject": case.subject},
            occurred_at=received_at,
            case=case,
        )
    case.instance = engine.instance_start(
        process_id=process_id,
        business_key=case.number,
        data={
            "case_id": case.pk,
            "company_id": company.pk,
            "product_id": product.pk if product else None,
            "procedure": procedure,
            "channel": channel,
            # The 24-hour promise, for the models' SLA timers (ISO, aware).
            "attention_due": attention_due(received_at).isoformat(),
        },
        actor=user,
    )
    case.save(update_fields=["instance", "updated_at"])
    return case


@transaction.atomic
def alert_mark_read(*, alert, user) -> None:
    """The warning was seen: it leaves the inbox of the role."""
    if alert.role != user.role:
        raise PermissionDenied(_("This warning is for another role."))
    alert.read_at = timezone.now()
    alert.save(update_fields=["read_at", "updated_at"])


def document_add(
    *, case: Case, kind: str, file, user=None, title: str = "", generated: bool = False
) -> CaseDocument:
    """Keep a document with the case. A received one must be a file the team
    may keep (`accept_upload`: kind by content, size, safe name), whoever
    sends it; a generated one is the system's own PDF or sheet."""
    if not generated:
        try:
            accept_upload(file)
        except ValidationError as error:
            raise ValidationError({"file": error.error_list}) from None
    document = CaseDocument(
        case=case,
        kind=kind,
        title=title or getattr(file, "name", "") or kind,
        file=file,
        generated=generated,
        uploaded_by=user,
    )
    document.full_clean()
    document.save()
    return document
