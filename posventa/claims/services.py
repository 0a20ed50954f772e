"""Writes on billing complaints (procedure F). Every one is a transaction
with the complaint (or its invoice) locked, keeps the complaint's history
and writes to UTAR through the outbox, so a step that rolls back sends
nothing.

Recording UTAR's resolution tells the case waiting for it (a receive task on
the message `complaint_resolved`, correlated by the complaint's id) in the
same transaction: the complaint is resolved and the case moves on, or neither.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, Role, can
from posventa.billing.models import Invoice
from posventa.cases.models import Case
from posventa.claims.models import Complaint, ComplaintChange, ComplaintState
from posventa.common.money import format_amount
from posventa.common.services import validated_save
from posventa.engine import services as engine
from posventa.outbox.models import OutgoingEmail
from posventa.outbox.selectors import mailbox_address, role_addresses
from posventa.outbox.services import email_queue

# The message a process waits on for UTAR's resolution, and the key it waits with.
RESOLVED_MESSAGE = "complaint_resolved"
UTAR = "utar"
CENTS = Decimal("0.01")


def money(value) -> Decimal:
    """An amount in Bs: Decimal, rounded half-up to cents; never a float."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {"disputed_amount": _("Write the amount in Bs, e.g. 125.50.")}
        ) from None
    if not amount.is_finite():
        raise ValidationError({"disputed_amount": _("Write the amount in Bs, e.g. 125.50.")})
    return amount.quantize(CENTS, rounding=ROUND_HALF_UP)


def amount_errors(*, invoice: Invoice, disputed_amount: Decimal) -> dict:
    """The manual's rule on what may be disputed: more than nothing and at
    most what the invoice bills."""
    if disputed_amount <= 0:
        return {"disputed_amount": _("The disputed amount must be more than Bs 0,00.")}
    if disputed_amount > invoice.amount:
        return {
            "disputed_amount": _(
                "The disputed amount (Bs %(disputed)s) cannot exceed the invoice's (Bs %(amount)s)."
            )
            % {
                "disputed": format_amount(disputed_amount),
                "amount": format_amount(invoice.amount),
            }
        }
    return {}


def _log(complaint: Complaint, *, user, note: str = "") -> None:
    ComplaintChange.objects.create(
        complaint=complaint,
        at=timezone.now(),
        state=complaint.state,
        by=user if getattr(user, "is_authenticated", False) else None,
        note=note,
    )


def _locked(complaint: Complaint) -> Complaint:
    """The complaint read again under a row lock: two answers at once queue here."""
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("invoice__product__company", "case")
        .get(pk=complaint.pk)
    )


def _context(complaint: Complaint, case: Case | None, user, **extra) -> dict:
    return {
        "complaint": complaint,
        "invoice": complaint.invoice,
        "product": complaint.invoice.product,
        "company": complaint.invoice.product.company,
        "case": case,
        "sender": user if getattr(user, "is_authenticated", False) else None,
        **extra,
    }


def _email(template: str, *, complaint, case, user, cc=(), **extra) -> OutgoingEmail:
    return email_queue(
        template=f"claims/email/{template}",
        to=[mailbox_address(UTAR)],
        cc=cc,
        context=_context(complaint, case, user, **extra),
        case=case,
        company=complaint.invoice.product.company,
        user=user,
    )


@transaction.atomic
def complaint_register(
    *, invoice: Invoice, disputed_amount, reason: str, case: Case | None = None, user=None
) -> Complaint:
    """Step 7: enter the complaint and send it to UTAR by e-mail (7.2). One
    complaint at a time per invoice: a second one is refused with a reason."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("product__company")
        .get(pk=invoice.pk)
    )
    amount = money(disputed_amount)
    errors = amount_errors(invoice=invoice, disputed_amount=amount)
    if not (reason or "").strip():
        errors["reason"] = _("Write what the customer disputes.")
    if case is not None and case.company_id != invoice.product.company_id:
        errors["invoice"] = _("The invoice is not of this customer.")
    open_one = Complaint.objects.open().filter(invoice=invoice).first()
    if open_one is not None:
        errors["invoice"] = _(
            "Complaint %(number)s on this invoice is still at UTAR: ask UTAR to hurry it "
            "instead of registering another."
        ) % {"number": open_one.number}
    if errors:
        raise ValidationError(errors)
    complaint = Complaint(
        invoice=invoice,
        case=case,
        invoice_amount=invoice.amount,
        disputed_amount=amount,
        reason=reason.strip(),
        registered_by=user if getattr(user, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            validated_save(complaint)
    except IntegrityError:  # someone registered one for this invoice at the same moment
        raise ValidationError(
            {"invoice": _("A complaint on this invoice was just registered.")}
        ) from None
    _log(complaint, user=user, note=complaint.reason)
    _email("utar_new_complaint", complaint=complaint, case=case, user=user)
    return complaint


@transaction.atomic
def complaint_urge(*, complaint: Complaint, note: str = "", case: Case | None = None, user=None):
    """Step 6: the complaint is still at UTAR; ask UTAR by e-mail to resolve
    it urgently (the customer is told they will be called)."""
    complaint = _locked(complaint)
    if not complaint.is_open:
        raise ValidationError(
            _("Complaint %(number)s is already resolved: tell the customer its resolution.")
            % {"number": complaint.number}
        )
    _log(complaint, user=user, note=_("Urgent resolution asked. %(note)s") % {"note": note})
    return _email(
        "utar_urgent", complaint=complaint, case=case, user=user, note=(note or "").strip()
    )


@transaction.atomic
def complaint_accept(*, complaint: Complaint, user=None) -> Complaint:
    """Step 4: told UTAR's resolution, the customer is satisfied."""
    complaint = _locked(complaint)
    if complaint.state != ComplaintState.RESOLVED:
        raise ValidationError(
            _("Complaint %(number)s has no resolution yet.") % {"number": complaint.number}
        )
    complaint.customer_accepted = True
    validated_save(complaint, update_fields=["customer_accepted", "updated_at"])
    _log(complaint, user=user, note=_("The customer accepts the resolution."))
    return complaint


@transaction.atomic
def complaint_disagree(
    *, complaint: Complaint, disagreement: str, case: Case | None = None, user=None
) -> Complaint:
    """Step 5: the customer disagrees with the resolution. The complaint goes
    back to UTAR (assigned again; the resolution stays in its history) and
    UTAR gets the disagreement by e-mail, copied to the team lead and the
    division head (5.1)."""
    complaint = _locked(complaint)
    if complaint.state != ComplaintState.RESOLVED:
        raise ValidationError(
            _("Complaint %(number)s has no resolution to disagree with.")
            % {"number": complaint.number}
        )
    if not (disagreement or "").strip():
        raise ValidationError({"disagreement": _("Write why the customer disagrees.")})
    previous = complaint.resolution
    complaint.state = ComplaintState.ASSIGNED
    complaint.assigned_at = complaint.assigned_at or timezone.now()
    complaint.resolution = ""
    complaint.resolved_at = None
    complaint.customer_accepted = None
    complaint.disagreements += 1
    validated_save(
        complaint,
        update_fields=[
            "state",
            "assigned_at",
            "resolution",
            "resolved_at",
            "customer_accepted",
            "disagreements",
            "updated_at",
        ],
    )
    _log(
        complaint,
        user=user,
        note=_("The customer disagrees with the resolution “%(resolution)s”: %(why)s")
        % {"resolution": previous, "why": disagreement.strip()},
    )
    _email(
        "utar_disagreement",
        complaint=complaint,
        case=case,
        user=user,
        cc=role_addresses(Role.TEAM_LEAD, Role.DIVISION_HEAD),
        previous_resolution=previous,
        disagreement=disagreement.strip(),
    )
    return complaint


@dataclass(frozen=True)
class Answer:
    """UTAR's answer recorded, and what became of the cases waiting for it."""

    complaint: Complaint
    cases: list = field(default_factory=list)  # the case numbers that moved on
    notice: str = ""

    @property
    def process_moved(self) -> bool:
        return bool(self.cases)


@transaction.atomic
def complaint_record_answer(
    *, complaint: Complaint, state: str, resolution: str = "", user
) -> Answer:
    """Record what UTAR answered: the complaint is assigned (in progress), or
    resolved with its resolution — then the case waiting for it moves on (the
    executive calls the customer back, step 4)."""
    if not can(user, Capability.RECORD_UTAR_ANSWER):
        raise PermissionDenied(
            _("Only the commercial manager and the team lead record UTAR's answers.")
        )
    complaint = _locked(complaint)
    if not complaint.is_open:
        raise ValidationError(
            _("Complaint %(number)s is already resolved.") % {"number": complaint.number}
        )
    now = timezone.now()
    if state == ComplaintState.ASSIGNED:
        if complaint.state == ComplaintState.ASSIGNED:
            raise ValidationError(
                {
                    "state": _("Complaint %(number)s is already assigned at UTAR.")
                    % {"number": complaint.number}
                }
            )
        complaint.state = ComplaintState.ASSIGNED
        complaint.assigned_at = now
        validated_save(complaint, update_fields=["state", "assigned_at", "updated_at"])
        _log(complaint, user=user, note=(resolution or "").strip())
        return Answer(
            complaint=complaint,
            notice=_("Complaint %(number)s is assigned at UTAR.") % {"number": complaint.number},
        )
    if state != ComplaintState.RESOLVED:
        raise ValidationError({"state": _("UTAR's answer is “assigned” or “resolved”.")})
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Write UTAR's resolution.")})
    complaint.state = ComplaintState.RESOLVED
    complaint.resolution = resolution.strip()
    complaint.resolved_at = now
    validated_save(complaint, update_fields=["state", "resolution", "resolved_at", "updated_at"])
    _log(complaint, user=user, note=complaint.resolution)
    payload = {
        "complaint_id": complaint.pk,
        "state": complaint.state,
        "resolution": complaint.resolution,
        "resolved_at": complaint.resolved_at.isoformat(),
    }
    try:
        instances = engine.deliver_message(
            name=RESOLVED_MESSAGE, correlation={"complaint_id": complaint.pk}, payload=payload
        )
    except engine.NoInstanceWaiting:
        return Answer(
            complaint=complaint,
            notice=_(
                "Complaint %(number)s is resolved. No case was waiting for it: tell the "
                "customer from a new case."
            )
            % {"number": complaint.number},
        )
    numbers = sorted(Case.objects.filter(instance__in=instances).values_list("number", flat=True))
    return Answer(
        complaint=complaint,
        cases=numbers,
        notice=_(
            "Complaint %(number)s is resolved; case %(cases)s returns to the executive to "
            "call the customer back."
        )
        % {"number": complaint.number, "cases": ", ".join(numbers)},
    )
