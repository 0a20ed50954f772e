"""The worker's job for the hand back (scheduled every minute,
posventa/common/schedules.py): deliver what is due through the commercial
system's adapter, then read back what it confirmed. At least once: a change
delivered whose record did not commit is delivered again, and the commercial
system applies each idempotency key once (the files keep one row per key)."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.integrations import commercial
from posventa.integrations.commercial import CommercialAdapter, Confirmation, Receipt
from posventa.integrations.models import ChangeState, CommercialChange

logger = logging.getLogger(__name__)

# Changes one transaction delivers, and batches one run delivers at most
# (the rest waits for the next minute).
BATCH = 200
MAX_BATCHES = 50
# A failed delivery is tried again after 1, 2, 4… minutes, an hour at most.
BACKOFF_CAP = timedelta(hours=1)
REASON_MAX = 2000
ATTEMPTS_MAX = 32_767  # the column's bound


def backoff(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed delivery a change waits."""
    if attempts >= 7:  # 2**6 minutes is past the cap already
        return BACKOFF_CAP
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_CAP)


@dataclass
class Run:
    """What one run of the job did (the worker's record shows it)."""

    delivered: int = 0
    confirmed: int = 0
    failed: int = 0
    answers: int = 0
    unknown_keys: list[str] = field(default_factory=list)


def due_changes(now: datetime):
    """The queue's changes to deliver now: pending, or failed in delivery
    and due again. A change the commercial system refused (failed, no next
    attempt) waits for a person (the admin's "retry")."""
    return CommercialChange.objects.filter(
        Q(state=ChangeState.PENDING, next_attempt_at__isnull=True)
        | Q(state__in=[ChangeState.PENDING, ChangeState.FAILED], next_attempt_at__lte=now)
    ).order_by("next_attempt_at", "pk")


def _record_failure(change: CommercialChange, reason: str, now: datetime) -> None:
    change.state = ChangeState.FAILED
    change.reason = (reason or _("The delivery failed.")).strip()[:REASON_MAX]
    change.next_attempt_at = now + backoff(change.attempts)
    change.save(update_fields=["state", "reason", "next_attempt_at", "attempts", "updated_at"])


def _record_receipt(change: CommercialChange, receipt: Receipt, now: datetime) -> None:
    change.sent_at = now
    change.sent_to = (receipt.sent_to or "")[:250]
    change.next_attempt_at = None
    change.reason = ""
    if receipt.confirmed:
        change.state = ChangeState.CONFIRMED
        change.confirmed_at = now
        change.external_reference = (receipt.reference or "")[:100]
    else:
        change.state = ChangeState.SENT
    change.save(
        update_fields=[
            "state",
            "attempts",
            "sent_at",
            "sent_to",
            "next_attempt_at",
            "reason",
            "confirmed_at",
            "external_reference",
            "updated_at",
        ]
    )


def changes_deliver(*, adapter: CommercialAdapter, now: datetime | None = None) -> Run:
    """Deliver one batch of due changes, in one transaction. The rows are
    locked while they are delivered and skipped by any other worker
    (PostgreSQL's SKIP LOCKED; SQLite runs one writer at a time), so two
    workers never deliver the same change."""
    now = now or timezone.now()
    run = Run()
    with transaction.atomic():
        batch = list(due_changes(now).select_for_update(skip_locked=True)[:BATCH])
        if not batch:
            return run
        for change in batch:
            change.attempts = min(change.attempts + 1, ATTEMPTS_MAX)
        try:
            # A savepoint: an adapter's database error leaves this transaction usable.
            with transaction.atomic():
                receipts = adapter.send(batch)
            if len(receipts) != len(batch):
                raise RuntimeError(
                    f"the adapter answered {len(receipts)} receipts for {len(batch)} changes"
                )
        except Exception as error:  # whatever the transport says is the reason kept
            logger.warning("Hand back: delivery of %s changes failed: %s", len(batch), error)
            for change in batch:
                _record_failure(change, f"{type(error).__name__}: {error}", now)
            run.failed = len(batch)
            return run
        for change, receipt in zip(batch, receipts, strict=True):
            if receipt.error:
                _record_failure(change, receipt.error, now)
                run.failed += 1
                continue
            _record_receipt(change, receipt, now)
            run.delivered += 1
            run.confirmed += int(receipt.confirmed)
    return run


def confirmations_apply(confirmations: list[Confirmation], source: str = "") -> Run:
    """Record the commercial system's answers, all of one file together: OK
    confirms the change (its reference, its date); ERROR fails it with the
    reason given, not to be delivered again by itself — a person looks at it
    on the watch and retries it from the admin. A confirmed change stays
    confirmed; an answer about an unknown key changes nothing (logged)."""
    run = Run(answers=len(confirmations))
    now = timezone.now()
    with transaction.atomic():
        keys = {answer.key for answer in confirmations}
        changes = {
            change.idempotency_key: change
            for change in CommercialChange.objects.select_for_update().filter(
                idempotency_key__in=keys
            )
        }
        for answer in confirmations:
            change = changes.get(answer.key)
            if change is None:
                run.unknown_keys.append(answer.key)
                continue
            if change.state == ChangeState.CONFIRMED:
                continue
            if answer.ok:
                change.state = ChangeState.CONFIRMED
                change.confirmed_at = answer.at or now
                change.external_reference = answer.reference
                change.reason = ""
                run.confirmed += 1
            else:
                change.state = ChangeState.FAILED
                change.reason = answer.reason or _(
                    "The commercial system answered ERROR without a reason."
                )
                run.failed += 1
            change.next_attempt_at = None
            change.save(
                update_fields=[
                    "state",
                    "confirmed_at",
                    "external_reference",
                    "reason",
                    "next_attempt_at",
                    "updated_at",
                ]
            )
    if run.unknown_keys:
        logger.warning(
            "Hand back: %s answers in %s name no change of ours: %s",
            len(run.unknown_keys),
            source,
            ", ".join(run.unknown_keys[:20]),
        )
    return run


def hand_back(*, adapter: CommercialAdapter | None = None) -> dict:
    """Deliver every due change, batch by batch, then read the answers."""
    adapter = adapter or commercial.adapter()
    total = Run()
    for _batch in range(MAX_BATCHES):
        run = changes_deliver(adapter=adapter)
        total.delivered += run.delivered
        total.confirmed += run.confirmed
        total.failed += run.failed
        if run.delivered + run.failed < BATCH:
            break
    answered = []

    def apply(confirmations: list[Confirmation], source: str) -> Run:
        run = confirmations_apply(confirmations, source)
        answered.append(run)
        return run

    files = adapter.read_confirmations(apply)
    return {
        "delivered": total.delivered,
        "confirmed": total.confirmed + sum(run.confirmed for run in answered),
        "failed": total.failed + sum(run.failed for run in answered),
        "confirmation_files": files,
    }
