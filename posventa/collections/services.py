"""Writes of procedure I, collections: the monthly proformas (produce, send,
record the interaction), the payment promise and its check, the dunning letter."""

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from posventa.cases.models import Case, CaseDocument, DocumentKind
from posventa.cases.services import document_add
from posventa.catalog.models import TeamRuleCode
from posventa.catalog.selectors import team_rule
from posventa.channels.notify import company_route, proforma_notify, whatsapp_ready
from posventa.collections import selectors
from posventa.collections.models import (
    PaymentPromise,
    Proforma,
    ProformaRun,
    ProformaSending,
    RunStatus,
)
from posventa.common.models import Channel
from posventa.common.money import bs, format_amount
from posventa.common.pdf import render_pdf
from posventa.customers.models import Company, Direction
from posventa.customers.services import interaction_record
from posventa.inventory.models import Product, ProductStatus
from posventa.outbox.services import Attachment, email_queue

logger = logging.getLogger(__name__)


def promise_max_days() -> int:
    """How far away a promised payment date may be: the team's rule (not the
    manual's, which checks "during the week"), edited in the admin."""
    return team_rule(TeamRuleCode.PROMISE_MAX_DAYS).days


def month_of(day: date) -> date:
    return day.replace(day=1)


# --- 1–2. Monthly proformas ------------------------------------------------------------


def _recipient(company: Company):
    """The contact the proformas go to: the primary one first, then any with an
    e-mail; and the channel the customer prefers."""
    contacts = sorted(company.contacts.all(), key=lambda c: (not c.is_primary, c.name))
    preferred = contacts[0].preferred_channel if contacts else Channel.EMAIL
    with_email = [c for c in contacts if c.email]
    return (with_email[0] if with_email else (contacts[0] if contacts else None)), preferred


def _whatsapp_route(company: Company):
    """The way to the contact who prefers WhatsApp, when WhatsApp can reach
    her (configured, a number): else None, and the e-mail goes as before."""
    route = company_route(company, whatsapp_ok=whatsapp_ready())
    return route if route is not None and route.channel == Channel.WHATSAPP else None


def _proforma_pdf(*, company, product, period, amount, charges, pending) -> bytes:
    return render_pdf(
        "collections/proforma.html",
        {
            "company": company,
            "product": product,
            "period": period,
            "plan_price": bs(product.plan.monthly_price),
            "charges": bs(charges),
            "amount": amount,
            "pending": bs(pending),
            "total": bs(amount + pending),
            "payment_paths": selectors.payment_paths(company),
            "printed_at": timezone.localtime(),
        },
    )


@transaction.atomic
def proformas_for_company(*, company: Company, period: date, run=None) -> ProformaSending | None:
    """Steps 1–2: the proforma of every contract of the company for the month,
    sent to the customer (a contact who prefers WhatsApp: one WhatsApp document
    per contract, docs/notifications.md; otherwise one e-mail with the PDFs;
    no e-mail address: on paper), with the interaction saying how.
    Idempotent: None when the month's proformas already exist."""
    period = month_of(period)
    if ProformaSending.objects.filter(company=company, period=period).exists():
        return None
    products = list(
        Product.objects.filter(company=company)
        .exclude(status=ProductStatus.WITHDRAWN)
        .select_related("plan")
        .order_by("service_number")
    )
    if not products:
        return None
    contact, preferred = _recipient(company)
    channel = Channel.EMAIL if contact is not None and contact.email else Channel.LETTER
    whatsapp = _whatsapp_route(company) if preferred == Channel.WHATSAPP else None
    if whatsapp is not None:
        contact, channel = whatsapp.contact, Channel.WHATSAPP
    try:
        with transaction.atomic():
            sending = ProformaSending.objects.create(
                company=company, period=period, channel=channel, run=run
            )
    except IntegrityError:
        return None  # another run produced them meanwhile
    ids = [p.pk for p in products]
    charges = selectors.unbilled_charges(ids)
    pending = selectors.pending_by_product(ids)
    proformas, attachments = [], []
    for product in products:
        extra = charges.get(product.pk) or Decimal("0")
        amount = bs(product.plan.monthly_price + extra)
        owed = pending.get(product.pk) or Decimal("0")
        pdf = _proforma_pdf(
            company=company,
            product=product,
            period=period,
            amount=amount,
            charges=extra,
            pending=owed,
        )
        name = f"proforma-{product.service_number}-{period:%Y-%m}.pdf"
        proforma = Proforma(
            sending=sending, product=product, amount=amount, pending_amount=bs(owed)
        )
        proforma.file.save(name, ContentFile(pdf), save=False)
        proformas.append(proforma)
        attachments.append(Attachment(name, pdf, "application/pdf"))
    Proforma.objects.bulk_create(proformas)
    total = sum((p.amount for p in proformas), Decimal("0"))
    if channel == Channel.WHATSAPP:
        # One WhatsApp document per contract, each a notification with its
        # retries and, if WhatsApp fails for good, the e-mail fallback.
        for proforma, attachment in zip(proformas, attachments, strict=True):
            proforma_notify(
                company=company,
                contact=contact,
                route=whatsapp,
                period=period,
                service=proforma.product.service_number,
                amount=format_amount(proforma.amount),
                attachment=attachment,
            )
        how = _("sent by WhatsApp to %(to)s, one document per contract") % {"to": whatsapp.to}
    elif channel == Channel.EMAIL:
        sending.email = email_queue(
            template="collections/proformas",
            to=[contact.email],
            context={
                "company": company,
                "contact": contact,
                "period": period,
                "proformas": proformas,
                "total": bs(total),
                "payment_paths": selectors.payment_paths(company),
            },
            attachments=attachments,
            company=company,
        )
        how = _("sent by e-mail to %(to)s") % {"to": contact.email}
        if preferred == Channel.WHATSAPP:
            how += _(" (prefers WhatsApp, which cannot reach this contact)")
    else:
        how = _("no e-mail address: printed for delivery on paper")
    sending.interaction = interaction_record(
        company=company,
        user=company.executive,
        channel=channel,
        direction=Direction.OUTBOUND,
        contact=contact,
        summary=ngettext(
            "Proformas of %(month)s, %(count)s contract, Bs %(total)s: %(how)s.",
            "Proformas of %(month)s, %(count)s contracts, Bs %(total)s: %(how)s.",
            len(proformas),
        )
        % {
            "month": f"{period:%m/%Y}",
            "count": len(proformas),
            "total": format_amount(total),
            "how": how,
        },
    )
    sending.save(update_fields=["email", "interaction", "updated_at"])
    return sending


def proforma_run_start(*, period: date, user=None) -> ProformaRun:
    """The progress row of a run for the month; the running one if any."""
    period = month_of(period)
    running = ProformaRun.objects.filter(period=period, status=RunStatus.RUNNING).first()
    if running is not None:
        return running
    try:
        with transaction.atomic():
            run = ProformaRun.objects.create(
                period=period,
                started_by=user,
                companies_total=selectors.companies_with_products().count(),
            )
    except IntegrityError:
        return ProformaRun.objects.get(period=period, status=RunStatus.RUNNING)
    run.just_created = True  # for the caller to queue it; a joined run is already queued
    return run


def proforma_run_execute(*, run: ProformaRun) -> ProformaRun:
    """Produce the month's proformas company by company (one transaction
    each), advancing the progress row."""
    companies = selectors.companies_with_products().select_related("executive")
    total = companies.count()
    ProformaRun.objects.filter(pk=run.pk).update(
        companies_total=total, companies_done=0, companies_failed=0
    )
    try:
        for company in companies.prefetch_related("contacts").iterator(chunk_size=500):
            failed, error_text = 0, None
            try:
                sending = proformas_for_company(company=company, period=run.period, run=run)
                created = sending.proformas.count() if sending is not None else 0
            except (ValidationError, PermissionDenied) as error:
                # One customer's bad data (an address refused…) does not stop the others.
                logger.warning("Proformas of %s not produced: %s", company.pk, error)
                created, failed = 0, 1
                error_text = (
                    f"{company.legal_name}: {' '.join(getattr(error, 'messages', [str(error)]))}"
                )
            changes = {
                "companies_done": F("companies_done") + 1,
                "proformas_created": F("proformas_created") + created,
                "companies_failed": F("companies_failed") + failed,
                "updated_at": timezone.now(),
            }
            if error_text:
                changes["error"] = error_text[:2000]
            ProformaRun.objects.filter(pk=run.pk).update(**changes)
    except Exception as error:
        logger.exception("Proforma run %s failed", run.pk)
        ProformaRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        run.refresh_from_db()
        return run
    ProformaRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


# --- 5. Payment promise ------------------------------------------------------------------


def promise_errors(*, company: Company, promised_on: date | None, amount, today: date) -> dict:
    """Why a payment promise is refused, by field. Its date is today at the
    earliest and at most the team rule's days away; its amount, more than
    nothing and at most what is overdue."""
    errors = {}
    if promised_on is not None:
        max_days = promise_max_days()
        if promised_on < today:
            errors["promised_on"] = _("A promise cannot be in the past.")
        elif promised_on > today + timedelta(days=max_days):
            errors["promised_on"] = _(
                "The promised date must be at most %(days)s days from today (team rule, "
                "not the manual)."
            ) % {"days": max_days}
    if amount is not None:
        # A promise is on what is overdue: what is not due yet is not collected.
        owed = selectors.overdue_total(company=company, today=today)
        if amount <= 0:
            errors["promised_amount"] = _("The promised amount must be more than Bs 0,00.")
        elif amount > owed:
            errors["promised_amount"] = _("The customer owes only Bs %(owed)s past due.") % {
                "owed": format_amount(owed)
            }
    return errors


@transaction.atomic
def promise_record(*, case: Case, promised_on: date, amount, user=None) -> PaymentPromise:
    amount = bs(amount)
    today = timezone.localdate()
    errors = promise_errors(
        company=case.company, promised_on=promised_on, amount=amount, today=today
    )
    if errors:
        raise ValidationError(errors)
    return PaymentPromise.objects.create(
        case=case,
        company=case.company,
        promised_on=promised_on,
        amount=amount,
        owed_when_promised=selectors.overdue_total(company=case.company, today=today),
        recorded_by=user,
    )


def check_at(promise: PaymentPromise) -> str:
    """When the case checks the promise: the first moment of the day after the
    promised date (La Paz time), as a BPMN timeDate."""
    day = promise.promised_on + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min)).isoformat()


@transaction.atomic
def promise_check(*, promise: PaymentPromise) -> bool:
    """Step 6: was it paid? Judged by the team's rule "when a promise is kept"
    as it stands now (`selectors.promise_kept`), which the promise records."""
    promise = PaymentPromise.objects.select_for_update().get(pk=promise.pk)
    rule = team_rule(TeamRuleCode.PROMISE_KEPT).choice
    kept = selectors.promise_kept(promise=promise, today=timezone.localdate(), rule=rule)
    promise.kept = kept
    promise.kept_rule = rule
    promise.checked_at = timezone.now()
    promise.full_clean()
    promise.save(update_fields=["kept", "kept_rule", "checked_at", "updated_at"])
    return kept


# --- Document: the dunning letter ---------------------------------------------------------


DUNNING_TITLE = "Carta de información mora"


def dunning_letter(*, case: Case, user=None) -> CaseDocument:
    """The dunning letter (Carta de información mora), original and copy in
    one PDF, kept with the case: each overdue invoice (month, product, due
    date, days overdue, what it still owes) and the total of those only."""
    company = case.company
    today = timezone.localdate()
    lines = selectors.overdue_lines(company=company, today=today)
    pdf = render_pdf(
        "collections/dunning_letter.html",
        {
            "case": case,
            "company": company,
            "days_overdue": max((line.days_overdue for line in lines), default=0),
            "lines": lines,
            "total": bs(sum((line.owed for line in lines), Decimal("0"))),
            "payment_paths": selectors.payment_paths(company),
            "copies": ["ORIGINAL", "COPIA"],
            "today": today,
            "executive": company.executive,
        },
    )
    return document_add(
        case=case,
        kind=DocumentKind.OTHER,
        file=ContentFile(pdf, name=f"carta-mora-{case.number}.pdf"),
        title=f"{DUNNING_TITLE} {case.number}",
        user=user,
        generated=True,
    )
