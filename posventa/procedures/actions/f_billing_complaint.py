"""Procedure F, billing complaint: what the system really does at each step —
finds the complaint that exists for the invoice, registers a new one and
sends it to UTAR, asks UTAR for urgency, takes the customer's disagreement
back to UTAR (copied to the team lead and the division head), records that
the customer accepted the resolution. The e-mails leave through the outbox."""

from posventa.billing.models import Invoice
from posventa.cases.selectors import case_for_instance
from posventa.claims.models import Complaint
from posventa.claims.selectors import invoice_complaint
from posventa.claims.services import (
    complaint_accept,
    complaint_disagree,
    complaint_register,
    complaint_urge,
)
from posventa.common.money import format_bs
from posventa.engine.context import current_actor
from posventa.engine.registry import registry

NONE = "none"


def complaint_summary(complaint: Complaint | None) -> dict:
    """The complaint as the process keeps it: its id (the key UTAR's answer
    comes back with), its state and, once resolved, UTAR's resolution."""
    if complaint is None:
        return {"id": None, "state": NONE, "number": "", "resolution": "", "summary": ""}
    return {
        "id": complaint.pk,
        "state": complaint.state,
        "number": complaint.number,
        "resolution": complaint.resolution,
        "summary": f"{complaint.number} ({complaint.get_state_display()}): "
        f"{format_bs(complaint.disputed_amount)} de la factura {complaint.invoice.period:%m/%Y}",
    }


@registry.register_action("existing_complaint")
def existing_complaint(instance, invoice_id: int) -> dict:
    """Step 3: is there a complaint for this invoice, and where is it at UTAR?"""
    return complaint_summary(invoice_complaint(invoice_id=invoice_id))


@registry.register_action("register_complaint")
def register_complaint(instance, invoice_id: int, disputed_amount: str, reason: str) -> dict:
    """Step 7: the complaint is entered and sent to UTAR (7.2); the case then
    waits for UTAR's resolution so the executive calls the customer back (7.1).
    If another case got a complaint on this invoice to UTAR meanwhile, this
    case waits for that one instead of registering a second."""
    existing = invoice_complaint(invoice_id=invoice_id)
    if existing is not None and existing.is_open:
        return complaint_summary(existing)
    complaint = complaint_register(
        invoice=Invoice.objects.get(pk=invoice_id),
        disputed_amount=disputed_amount,
        reason=reason,
        case=case_for_instance(instance),
        user=current_actor(),
    )
    return complaint_summary(complaint)


@registry.register_action("urge_complaint")
def urge_complaint(instance, complaint_id: int, note: str = "") -> dict:
    """Step 6: ask UTAR by e-mail for an urgent resolution. Resolved
    meanwhile, there is nothing to urge: the case that registered it calls
    the customer back with the resolution."""
    complaint = Complaint.objects.get(pk=complaint_id)
    if not complaint.is_open:
        return {"email_id": None, "to": [], "resolved_meanwhile": True}
    email = complaint_urge(
        complaint=complaint,
        note=note or "",
        case=case_for_instance(instance),
        user=current_actor(),
    )
    return {"email_id": email.pk, "to": email.to}


@registry.register_action("accept_resolution")
def accept_resolution(instance, complaint_id: int) -> dict:
    """Step 4: the customer is satisfied with UTAR's resolution."""
    complaint = complaint_accept(
        complaint=Complaint.objects.get(pk=complaint_id), user=current_actor()
    )
    return complaint_summary(complaint)


@registry.register_action("send_disagreement")
def send_disagreement(instance, complaint_id: int, disagreement: str) -> dict:
    """Step 5: the disagreement goes back to UTAR by e-mail, copied to the
    team lead and the division head (5.1); the case waits for UTAR again (→ 4)."""
    complaint = complaint_disagree(
        complaint=Complaint.objects.get(pk=complaint_id),
        disagreement=disagreement,
        case=case_for_instance(instance),
        user=current_actor(),
    )
    return complaint_summary(complaint)
