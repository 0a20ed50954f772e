"""Documents the procedures print: the order request (solicitud de pedido).

The step keeps the order request "generating" with everything it prints as
it was at the click, and the worker renders it after the step commits
(`cases.document_rendering`): the click does not wait for WeasyPrint."""

from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from posventa.cases.document_rendering import document_render_later, register_renderer
from posventa.cases.models import DocumentKind
from posventa.cases.selectors import case_for_instance
from posventa.common.pdf import render_pdf
from posventa.engine.context import current_actor
from posventa.engine.models import TaskEvent
from posventa.engine.registry import registry


def _signer(instance):
    """Who signs the order request for the team: the person completing the
    step that prints it (the commercial manager who entered the change, in
    most procedures). The service task runs before that step's own event is
    written, so the latest event with an actor would be the step before
    (another person); it is only the fallback, outside a person's step."""
    actor = current_actor()
    if actor is not None:
        return actor
    event = (
        TaskEvent.objects.filter(instance_id=instance.pk, actor__isnull=False)
        .select_related("actor")
        .order_by("-ended_at", "-pk")
        .first()
    )
    return event.actor if event else None


def _amount(value) -> str:
    return str(Decimal(str(value or 0)))


def order_request_params(case, *, change: str, fee=0, lines=None, total=None, signer=None) -> dict:
    """Everything the order request prints, as plain values taken now: a
    render minutes later (a retry) prints what the click saw."""
    company, product = case.company, case.product
    return {
        "case_id": case.pk,
        "case": {
            "number": case.number,
            "procedure": str(case.get_procedure_display()),
            "received_at": case.received_at.isoformat() if case.received_at else None,
            "channel": str(case.get_channel_display()),
        },
        "company": {
            "legal_name": company.legal_name,
            "trade_name": company.trade_name,
            "nit": company.nit,
            "address": company.address,
            "zone": company.zone,
        },
        "product": {
            "type": product.plan.product_type.name,
            "service_number": product.service_number,
            "plan": product.plan.name,
            "monthly_price": _amount(product.plan.monthly_price),
        }
        if product
        else None,
        "change": str(change),
        "fee": _amount(fee),
        "lines": [[str(c), str(d), _amount(a)] for c, d, a in (lines or [])],
        "total": _amount(total) if total is not None else None,
        "printed_at": timezone.now().isoformat(),
        "signer_id": signer.pk if signer else None,
    }


@register_renderer("order_request")
def render_order_request(params: dict) -> tuple[str, bytes]:
    """The order request's PDF from its parameters (order_request_params)."""
    case, company, product = params["case"], params["company"], params["product"]
    signer = None
    if params.get("signer_id"):
        signer = get_user_model().objects.filter(pk=params["signer_id"]).first()
    received = case["received_at"]
    pdf = render_pdf(
        "procedures/order_request.html",
        {
            # Attribute names as the template reads them on the models.
            "case": {
                "number": case["number"],
                "get_procedure_display": case["procedure"],
                "received_at": datetime.fromisoformat(received) if received else None,
                "get_channel_display": case["channel"],
            },
            "company": {**company},
            "product": {
                "service_number": product["service_number"],
                "plan": {
                    "name": product["plan"],
                    "monthly_price": Decimal(product["monthly_price"]),
                    "product_type": {"name": product["type"]},
                },
            }
            if product
            else None,
            "change": params["change"],
            "fee": Decimal(params["fee"]),
            "lines": [(c, d, Decimal(a)) for c, d, a in params["lines"]],
            "total": Decimal(params["total"]) if params["total"] is not None else None,
            "printed_at": timezone.localtime(datetime.fromisoformat(params["printed_at"])),
            "signer": signer,
        },
    )
    return f"solicitud-de-pedido-{case['number']}.pdf", pdf


@registry.register_action("order_request")
def order_request(instance, change: str, fee=0, lines=None, total=None) -> dict:
    """Keep the case's order request — the shared template of every
    procedure — with its documents; the worker prints it after the step
    commits. `lines` (concept, detail, amount) and their `total` print a
    detailed bill, as the final invoice of a withdrawal (procedure H)."""
    case = case_for_instance(instance)
    document = document_render_later(
        case=case,
        kind=DocumentKind.ORDER_REQUEST,
        title=f"Solicitud de pedido {case.number}",
        renderer="order_request",
        params=order_request_params(
            case, change=change, fee=fee, lines=lines, total=total, signer=_signer(instance)
        ),
    )
    return {"document_id": document.pk}
