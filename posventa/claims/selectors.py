"""Reads on billing complaints, scoped by who asks."""

from django.db.models import QuerySet

from posventa.claims.models import OPEN_STATES, Complaint, ComplaintState
from posventa.outbox.models import OutgoingEmail


def complaints_for(*, user, state: str = "") -> QuerySet[Complaint]:
    """The complaints the user may see: open ones by default (the oldest
    first, so none waits unseen at UTAR), those in one state, or all ("all")."""
    complaints = Complaint.objects.visible_to(user).select_related(
        "invoice__product__company", "case"
    )
    if state == "all":
        return complaints.order_by("-created_at")
    if state in ComplaintState.values:
        return complaints.filter(state=state).order_by("-created_at")
    return complaints.filter(state__in=OPEN_STATES).order_by("created_at")


def complaint_for(*, user, pk: int) -> Complaint | None:
    return (
        Complaint.objects.visible_to(user)
        .select_related("invoice__product__company", "invoice__product__plan", "case")
        .filter(pk=pk)
        .first()
    )


def complaint_emails(complaint: Complaint) -> QuerySet[OutgoingEmail]:
    """What was written to UTAR about this complaint, from whichever case."""
    return OutgoingEmail.objects.filter(
        template__startswith="claims/", subject__contains=complaint.number
    ).order_by("-created_at")


def invoice_complaint(*, invoice_id: int) -> Complaint | None:
    """Procedure F step 3: the complaint that exists for this invoice — the
    one open at UTAR, otherwise the last one resolved; None when there is none."""
    complaints = Complaint.objects.filter(invoice_id=invoice_id)
    return (
        complaints.filter(state__in=OPEN_STATES).first()
        or complaints.filter(state=ComplaintState.RESOLVED).order_by("-resolved_at", "-pk").first()
    )
