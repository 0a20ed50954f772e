"""Documents the procedures print: the order request (solicitud de pedido)."""

from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from posventa.cases.models import DocumentKind
from posventa.cases.selectors import case_for_instance
from posventa.cases.services import document_add
from posventa.common.pdf import render_pdf
from posventa.engine.models import TaskEvent
from posventa.engine.registry import registry


def _signer(instance):
    """Who signs the order request for the team: the person who completed
    the step that led to printing it (the commercial manager who entered
    the change, in most procedures)."""
    event = (
        TaskEvent.objects.filter(instance_id=instance.pk, actor__isnull=False)
        .select_related("actor")
        .order_by("-ended_at", "-pk")
        .first()
    )
    return event.actor if event else None


@registry.register_action("order_request")
def order_request(instance, change: str, fee=0, lines=None, total=None) -> dict:
    """Print the case's order request — the shared template of every
    procedure — and keep it with the case's documents. `lines` (concept,
    detail, amount) and their `total` print a detailed bill, as the final
    invoice of a withdrawal (procedure H)."""
    case = case_for_instance(instance)
    pdf = render_pdf(
        "procedures/order_request.html",
        {
            "case": case,
            "company": case.company,
            "product": case.product,
            "change": change,
            "fee": Decimal(str(fee or 0)),
            "lines": [(c, d, Decimal(str(a))) for c, d, a in (lines or [])],
            "total": Decimal(str(total)) if total is not None else None,
            "printed_at": timezone.localtime(),
            "signer": _signer(instance),
        },
    )
    document = document_add(
        case=case,
        kind=DocumentKind.ORDER_REQUEST,
        file=ContentFile(pdf, name=f"solicitud-de-pedido-{case.number}.pdf"),
        title=f"Solicitud de pedido {case.number}",
        generated=True,
    )
    return {"document_id": document.pk}
