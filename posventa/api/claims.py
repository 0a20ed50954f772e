"""Billing complaints in the API (procedure F): read them, and record what
the claims unit UTAR answered — the same service as the complaint's page, so
a resolution moves the case waiting for it and the same rules and Spanish
messages apply (403 for a role that may not, 422 with the reason)."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import LONG_TEXT, Choice, Id, Text
from posventa.claims import selectors
from posventa.claims.models import Complaint, ComplaintState
from posventa.claims.services import complaint_record_answer

router = Router(tags=["claims"])


class ComplaintOut(Schema):
    id: int
    number: str
    company: str
    nit: str
    service_number: str
    invoice_month: str
    invoice_amount: Decimal
    disputed_amount: Decimal
    reason: str
    state: Choice(ComplaintState)
    assigned_at: datetime | None
    resolution: str
    resolved_at: datetime | None
    customer_accepted: bool | None
    disagreements: int
    case: str | None
    registered_at: datetime


class AnswerIn(Schema):
    state: Choice(
        [
            c
            for c in ComplaintState.choices
            if c[0] in (ComplaintState.ASSIGNED, ComplaintState.RESOLVED)
        ]
    )
    resolution: Text(LONG_TEXT) = ""


class AnswerOut(Schema):
    complaint: ComplaintOut
    cases: list[str]
    notice: str


def _complaint_out(complaint: Complaint) -> dict:
    invoice = complaint.invoice
    company = invoice.product.company
    return {
        "id": complaint.pk,
        "number": complaint.number,
        "company": company.display_name,
        "nit": company.nit,
        "service_number": invoice.product.service_number,
        "invoice_month": f"{invoice.period:%Y-%m}",
        "invoice_amount": complaint.invoice_amount,
        "disputed_amount": complaint.disputed_amount,
        "reason": complaint.reason,
        "state": complaint.state,
        "assigned_at": complaint.assigned_at,
        "resolution": complaint.resolution,
        "resolved_at": complaint.resolved_at,
        "customer_accepted": complaint.customer_accepted,
        "disagreements": complaint.disagreements,
        "case": complaint.case.number if complaint.case_id else None,
        "registered_at": complaint.created_at,
    }


def _visible(request, complaint_id: int) -> Complaint:
    # Another portfolio's complaint is a 404, exactly as a missing one.
    return get_object_or_404(
        Complaint.objects.visible_to(request.user).select_related(
            "invoice__product__company", "case"
        ),
        pk=complaint_id,
    )


@router.get("", response=responses({200: list[ComplaintOut]}), openapi_extra=PAGED)
def list_complaints(
    request,
    response: HttpResponse,
    state: Choice([("all", _("All")), *ComplaintState.choices]) | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The complaints I may see: those at UTAR by default, one state, or "all";
    a page of them (`limit` from `offset`; X-Total-Count and Link tell the rest)."""
    complaints = selectors.complaints_for(user=request.user, state=state or "")
    return [
        _complaint_out(c) for c in page(request, response, complaints, limit=limit, offset=offset)
    ]


@router.get("/{complaint_id}", response=responses({200: ComplaintOut}, 404))
def get_complaint(request, complaint_id: Id):
    return _complaint_out(_visible(request, complaint_id))


@router.post(
    "/{complaint_id}/answer",
    response=responses({200: AnswerOut}, 403, 404, 409, body=True),
)
def record_answer(request, complaint_id: Id, payload: AnswerIn):
    """Record UTAR's answer: "assigned", or "resolved" with the resolution —
    then the case waiting for it returns to the executive."""
    answer = complaint_record_answer(
        complaint=_visible(request, complaint_id),
        state=payload.state,
        resolution=payload.resolution,
        user=request.user,
    )
    complaint = Complaint.objects.select_related("invoice__product__company", "case").get(
        pk=answer.complaint.pk
    )
    return {"complaint": _complaint_out(complaint), "cases": answer.cases, "notice": answer.notice}
