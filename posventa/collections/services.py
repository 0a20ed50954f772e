"""Writes of procedure I, collections: the monthly proformas (produce, send,
record the interaction), the payment promise and its check, the dunning letter."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from posventa.accounts.roles import Capability, can
from posventa.cases.models import Case, CaseDocument, CaseStatus, DocumentKind
from posventa.cases.services import case_open, document_add
from posventa.catalog.models import TeamRuleCode
from posventa.catalog.selectors import team_rule
from posventa.channels.notify import company_route, proforma_notify, whatsapp_ready
from posventa.collections import selectors
from posventa.collections.models import (
    PaymentPromise,
    Proforma,
    ProformaChunk,
    ProformaRun,
    ProformaSending,
    RunStatus,
)
from posventa.common.models import Channel
from posventa.common.money import bs, format_amount
from posventa.common.pdf import render_pdf
from posventa.common.queue import enqueue
from posventa.customers.models import Company, Direction
from posventa.customers.services import interaction_record
from posventa.inventory.models import Product, ProductStatus
from posventa.outbox.services import Attachment, email_queue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CollectionCall:
    """The collections case a call works in, and whether the call opened it."""

    case: Case
    opened: bool


@transaction.atomic
def collection_call_open(*, company: Company, user) -> CollectionCall:
    """Step 5: call the debtor — in the customer's open collections case, or a
    new one (by phone) when it has none. The company's row is locked, so two
    calls at once open one case."""
    if not can(user, Capability.MANAGE_COLLECTIONS):
        raise PermissionDenied(_("Your role does not manage collections."))
    company = Company.objects.select_for_update().get(pk=company.pk)
    case = (
        Case.objects.filter(company=company, procedure="I")
        .exclude(status=CaseStatus.CLOSED)
        .order_by("received_at")
        .first()
    )
    if case is not None:
        return CollectionCall(case, opened=False)
    case = case_open(
        company=company,
        procedure="I",
        channel=Channel.PHONE,
        subject=_("Collection of pending invoices"),
        user=user,
    )
    return CollectionCall(case, opened=True)


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


@dataclass
class _Prepared:
    """A customer's month read and its PDFs made, before any write: what
    `_proformas_write` stores in one short transaction."""

    company: Company
    period: date
    contact: object  # customers.Contact or None
    preferred: str
    channel: str
    whatsapp: object  # channels.notify.Route or None
    # One per contract: the product, the month's amount, what it still owed, file name, PDF.
    items: list[tuple[Product, Decimal, Decimal, str, bytes]]


def _proformas_prepare(*, company: Company, period: date) -> _Prepared | None:
    """Reads and renders only: None when the month's proformas exist or the
    customer has no contract."""
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
    ids = [p.pk for p in products]
    charges = selectors.unbilled_charges(ids)
    pending = selectors.pending_by_product(ids)
    items = []
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
        items.append((product, amount, owed, name, pdf))
    return _Prepared(company, period, contact, preferred, channel, whatsapp, items)


def _store_pdf(proforma: Proforma, name: str, pdf: bytes) -> None:
    """The PDF under its own name, `proformas/<month>/proforma-<service>-<month>.pdf`.
    A file already there that no proforma points to is what a rolled-back
    attempt left behind (a worker killed mid-customer, a refused e-mail
    address): it is replaced, so a retry leaves no orphan. (Django's storage
    never overwrites: it would save under the name plus a random suffix, as
    it still does when a proforma holds the name.) Only the transaction that
    holds the customer's ProformaSending row gets here, so no other writer
    of this customer's files runs meanwhile."""
    path = proforma.file.field.generate_filename(proforma, name)
    storage = proforma.file.storage
    if storage.exists(path) and not Proforma.objects.filter(file=path).exists():
        storage.delete(path)
    proforma.file.save(name, ContentFile(pdf), save=False)


def _proformas_write(prepared: _Prepared, *, run=None) -> ProformaSending | None:
    """The writes of one customer's month, inside the caller's transaction:
    None when another run produced them meanwhile (the unique sending)."""
    company, period, contact = prepared.company, prepared.period, prepared.contact
    channel, whatsapp = prepared.channel, prepared.whatsapp
    try:
        with transaction.atomic():
            sending = ProformaSending.objects.create(
                company=company, period=period, channel=channel, run=run
            )
    except IntegrityError:
        return None  # another run produced them meanwhile
    proformas, attachments = [], []
    for product, amount, owed, name, pdf in prepared.items:
        proforma = Proforma(
            sending=sending, product=product, amount=amount, pending_amount=bs(owed)
        )
        _store_pdf(proforma, name, pdf)
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
        if prepared.preferred == Channel.WHATSAPP:
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
    sending.created_count = len(proformas)
    return sending


def proformas_for_company(*, company: Company, period: date, run=None) -> ProformaSending | None:
    """Steps 1–2: the proforma of every contract of the company for the month,
    sent to the customer (a contact who prefers WhatsApp: one WhatsApp document
    per contract, docs/notifications.md; otherwise one e-mail with the PDFs;
    no e-mail address: on paper), with the interaction saying how.
    Idempotent: None when the month's proformas already exist.

    The PDFs are made before the transaction opens (reads only), so the
    transaction holds only the writes: a short lock, which lets the worker's
    processes write in turn on SQLite (one writer at a time) while the
    others render."""
    period = month_of(period)
    prepared = _proformas_prepare(company=company, period=period)
    if prepared is None:
        return None
    with transaction.atomic():
        return _proformas_write(prepared, run=run)


# --- The month's run, in chunks spread over the worker's processes -------------------------

# A chunk not finished whose row has not moved for this long is taken for
# lost and queued again by `resume_proforma_runs` (every 5 minutes): its job
# died with a worker killed -9 (the Redis broker has no acknowledgement, so
# the job is gone) or timed out. The row moves after every customer, and one
# customer takes well under a second a contract (bench/proformas.py): ten
# minutes is a customer with hundreds of contracts and a stalled database
# before a live job is taken for dead — and even then the position guard in
# `_count` keeps the two from producing or counting anything twice.
CHUNK_STALE_AFTER = timedelta(minutes=10)
# A chunk whose job failed this many times (a crash, a bug, the database
# away) is given up: the run ends "failed" naming it, and a new run of the
# month produces what it left (idempotent per customer and month).
CHUNK_MAX_ATTEMPTS = 3


class _LostClaim(Exception):
    """Another job took this chunk over (this one was taken for dead)."""


def _chunk_size() -> int:
    return max(1, int(getattr(settings, "POSVENTA_PROFORMA_CHUNK", 100)))


def _plan(run: ProformaRun) -> int:
    """Splits the run into chunks of POSVENTA_PROFORMA_CHUNK customers (their
    ids kept on the chunk, in order): the customers with contracts now.
    Inside the caller's transaction; the run's total is the sum."""
    ids = list(selectors.companies_with_products().values_list("pk", flat=True))
    size = _chunk_size()
    ProformaChunk.objects.bulk_create(
        ProformaChunk(
            run=run,
            number=number,
            company_ids=ids[start : start + size],
            companies_total=len(ids[start : start + size]),
        )
        for number, start in enumerate(range(0, len(ids), size), start=1)
    )
    ProformaRun.objects.filter(pk=run.pk).update(companies_total=len(ids))
    run.companies_total = len(ids)
    return len(ids)


def proforma_run_start(*, period: date, user=None) -> ProformaRun:
    """The progress row of a run for the month and its chunks, in one
    transaction; the running one if any."""
    period = month_of(period)
    running = ProformaRun.objects.filter(period=period, status=RunStatus.RUNNING).first()
    if running is not None:
        return running
    try:
        with transaction.atomic():
            run = ProformaRun.objects.create(period=period, started_by=user)
            _plan(run)
    except IntegrityError:
        return ProformaRun.objects.get(period=period, status=RunStatus.RUNNING)
    run.just_created = True  # for the caller to queue it; a joined run is already queued
    return run


def proforma_run_request(*, user, period: date | None = None) -> ProformaRun:
    """Steps 1–2 on demand (the proformas page's button, the API): the
    month's run started and its chunks queued for the worker; the running
    one, already queued, when a run of the month is under way."""
    if not can(user, Capability.MANAGE_COLLECTIONS):
        raise PermissionDenied(_("Your role does not manage collections."))
    run = proforma_run_start(period=period or timezone.localdate(), user=user)
    if getattr(run, "just_created", False):
        enqueue("posventa.collections.jobs.run_proformas", run.pk)
    return run


def _ensure_planned(run: ProformaRun) -> None:
    """A run started before runs had chunks gets them now."""
    if not run.chunks.exists():
        with transaction.atomic():
            locked = ProformaRun.objects.select_for_update().get(pk=run.pk)
            if not locked.chunks.exists():
                _plan(locked)


def proforma_run_dispatch(*, run: ProformaRun) -> int:
    """Queues a job per unfinished chunk (`jobs.run_proforma_chunk`), for the
    worker's processes to share; returns how many."""
    _ensure_planned(run)
    chunk_ids = list(
        run.chunks.filter(finished_at__isnull=True).order_by("number").values_list("pk", flat=True)
    )
    for chunk_id in chunk_ids:
        enqueue("posventa.collections.jobs.run_proforma_chunk", run.pk, chunk_id)
    return len(chunk_ids)


def proforma_run_execute(*, run: ProformaRun) -> ProformaRun:
    """Produce the month's proformas here, chunk after chunk (what the
    queue's sync mode does, and a way to finish a run by hand); a chunk
    another live job holds is left to it."""
    _ensure_planned(run)
    for chunk_id in (
        run.chunks.filter(finished_at__isnull=True).order_by("number").values_list("pk", flat=True)
    ):
        proforma_chunk_execute(chunk_id=chunk_id)
    run.refresh_from_db()
    return run


def _claim(chunk_id: int, now: datetime) -> bool:
    """Takes the chunk for this job: one not started yet, or one whose job is
    taken for dead (its row still for CHUNK_STALE_AFTER); never a finished
    one, nor one of a run that ended, nor one that failed too often."""
    return bool(
        ProformaChunk.objects.filter(
            Q(started_at__isnull=True) | Q(updated_at__lt=now - CHUNK_STALE_AFTER),
            pk=chunk_id,
            finished_at__isnull=True,
            attempts__lt=CHUNK_MAX_ATTEMPTS,
            run__status=RunStatus.RUNNING,
        ).update(started_at=now, updated_at=now, attempts=F("attempts") + 1)
    )


def _count(
    chunk: ProformaChunk, position: int, *, created: int = 0, failed: int = 0, error: str = ""
) -> None:
    """The customer at `position` counted, in the transaction that produced
    its proformas (or after the one that failed): the chunk moves on one and
    the run's counters grow. Only from where the chunk is: if another job
    moved it meanwhile (this one was taken for dead), nothing is counted
    twice — this customer's transaction rolls back and this job stops."""
    now = timezone.now()
    changes = {
        "position": position + 1,
        "proformas_created": F("proformas_created") + created,
        "companies_failed": F("companies_failed") + failed,
        "updated_at": now,
    }
    if error:
        changes["error"] = error
    moved = ProformaChunk.objects.filter(
        pk=chunk.pk, position=position, finished_at__isnull=True
    ).update(**changes)
    if not moved:
        raise _LostClaim
    run_changes = {
        "companies_done": F("companies_done") + 1,
        "proformas_created": F("proformas_created") + created,
        "companies_failed": F("companies_failed") + failed,
        "updated_at": now,
    }
    if error:
        run_changes["error"] = error
    ProformaRun.objects.filter(pk=chunk.run_id).update(**run_changes)


def _finish_run_if_complete(run: ProformaRun) -> bool:
    """Ends the run when none of its chunks is left, exactly once: the caller
    holds the run's row (select_for_update) and the UPDATE is conditional on
    "running". Failed when a chunk was given up."""
    if run.status != RunStatus.RUNNING or run.chunks.filter(finished_at__isnull=True).exists():
        return False
    given_up = list(run.chunks.filter(gave_up=True).order_by("number"))
    changes = {"status": RunStatus.DONE, "finished_at": timezone.now()}
    if given_up:
        changes["status"] = RunStatus.FAILED
        changes["error"] = (
            ngettext(
                "%(count)s customer not produced: a part of the run failed %(times)s times "
                "(%(error)s). Start the month again to produce them.",
                "%(count)s customers not produced: a part of the run failed %(times)s times "
                "(%(error)s). Start the month again to produce them.",
                sum(c.companies_total - c.position for c in given_up),
            )
            % {
                "count": sum(c.companies_total - c.position for c in given_up),
                "times": CHUNK_MAX_ATTEMPTS,
                "error": given_up[0].error or "-",
            }
        )[:2000]
    return bool(ProformaRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(**changes))


def _locked_run(run_id: int) -> ProformaRun:
    """The run's row, held until the transaction ends: two chunks closing at
    once look at the run one after the other, the second seeing the first's
    chunk finished."""
    return ProformaRun.objects.select_for_update().get(pk=run_id)


def _chunk_close(chunk_id: int, *, gave_up: bool = False) -> bool:
    """The chunk finished (or given up), and the run with it if it was the
    last: the chunk's row first, then the run's (the order every customer's
    transaction takes them in, so two never wait on each other)."""
    with transaction.atomic():
        closed = ProformaChunk.objects.filter(pk=chunk_id, finished_at__isnull=True).update(
            finished_at=timezone.now(), updated_at=timezone.now(), gave_up=gave_up
        )
        run_id = ProformaChunk.objects.values_list("run_id", flat=True).get(pk=chunk_id)
        _finish_run_if_complete(_locked_run(run_id))
    return bool(closed)


def _one_customer(chunk: ProformaChunk, position: int, company: Company | None, period) -> int:
    """One customer of the chunk, its own transaction: the proformas it made
    (0 when they existed, when it has no contract or was deleted)."""
    try:
        prepared = (
            _proformas_prepare(company=company, period=period) if company is not None else None
        )
        with transaction.atomic():
            sending = _proformas_write(prepared, run=chunk.run) if prepared else None
            created = sending.created_count if sending is not None else 0
            _count(chunk, position, created=created)
        return created
    except (ValidationError, PermissionDenied) as error:
        # One customer's bad data (an address refused…) does not stop the others.
        logger.warning("Proformas of %s not produced: %s", company.pk, error)
        text = f"{company.legal_name}: {' '.join(getattr(error, 'messages', [str(error)]))}"
        with transaction.atomic():
            _count(chunk, position, failed=1, error=text[:2000])
        return 0


def proforma_chunk_execute(*, chunk_id: int) -> int:
    """One chunk's customers, each in its own transaction, from where the
    chunk got to (a job that died left its position: the customers before it
    are done and counted, the one it was on rolled back); then the chunk
    closes, and the run if it was the last. Returns the proformas this job
    made; 0 when the chunk is finished or another live job holds it."""
    if not _claim(chunk_id, timezone.now()):
        return 0
    chunk = ProformaChunk.objects.select_related("run").get(pk=chunk_id)
    todo = chunk.company_ids[chunk.position :]
    companies = Company.objects.filter(pk__in=todo).select_related("executive")
    by_pk = {c.pk: c for c in companies.prefetch_related("contacts")}
    created = 0
    try:
        for position in range(chunk.position, chunk.companies_total):
            company = by_pk.get(chunk.company_ids[position])
            created += _one_customer(chunk, position, company, chunk.run.period)
    except _LostClaim:
        logger.warning("Proforma chunk %s was taken over by another job", chunk_id)
        return created
    except Exception as error:
        # The chunk is let go, saying why, for `resume_proforma_runs` to queue
        # it again; the job fails as it would have (django-q keeps the trace).
        ProformaChunk.objects.filter(pk=chunk_id, finished_at__isnull=True).update(
            started_at=None,
            updated_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        raise
    _chunk_close(chunk_id)
    return created


def resume_proforma_runs(*, stale_after: timedelta = CHUNK_STALE_AFTER) -> int:
    """Every 5 minutes: the running runs' chunks whose row has not moved for
    `stale_after` are queued again (their job was lost: a worker killed, a
    job timed out), or given up after CHUNK_MAX_ATTEMPTS; a run whose chunks
    all finished is ended. Returns the chunks queued again."""
    now = timezone.now()
    queued = 0
    for run in ProformaRun.objects.filter(status=RunStatus.RUNNING).order_by("pk"):
        if not run.chunks.exists():
            if run.created_at < now - stale_after:
                queued += proforma_run_dispatch(run=run)
            continue
        stale = run.chunks.filter(finished_at__isnull=True, updated_at__lt=now - stale_after)
        for chunk in stale.order_by("number"):
            if chunk.attempts >= CHUNK_MAX_ATTEMPTS:
                logger.error("Proforma chunk %s given up: %s", chunk.pk, chunk.error)
                _chunk_close(chunk.pk, gave_up=True)
                continue
            # Let go of the dead job's claim (so the new job may take it) and
            # mark it queued now, so the next look does not queue it again
            # while it waits its turn.
            if ProformaChunk.objects.filter(
                pk=chunk.pk, updated_at=chunk.updated_at, finished_at__isnull=True
            ).update(started_at=None, updated_at=now):
                enqueue("posventa.collections.jobs.run_proforma_chunk", run.pk, chunk.pk)
                queued += 1
        if not run.chunks.filter(finished_at__isnull=True).exists():
            with transaction.atomic():
                _finish_run_if_complete(_locked_run(run.pk))
    return queued


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
