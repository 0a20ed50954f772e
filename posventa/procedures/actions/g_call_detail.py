"""Procedure G, outgoing call detail: what the system really does — prices
the request (the decision table gives the rule, the tariff the amount),
produces the detail as PDF and Excel from the call records, charges the fee
to each line's next invoice and e-mails the files."""

from django.core.exceptions import ValidationError

from posventa.billing.services import charge_add
from posventa.calls.rules import fee_for_line, month_label
from posventa.calls.services import PDF, XLSX, call_detail_documents
from posventa.cases.selectors import case_for_instance
from posventa.catalog.models import TariffCode
from posventa.catalog.selectors import tariff_get
from posventa.common.money import format_bs
from posventa.engine.context import current_actor
from posventa.engine.registry import registry
from posventa.inventory.models import Product
from posventa.outbox.services import Attachment, email_queue


def _lines(case, line_ids) -> list[Product]:
    """The lines the request names, only among the customer's own."""
    lines = list(
        Product.objects.select_related("plan__product_type")
        .filter(pk__in=line_ids or [], company=case.company)
        .order_by("service_number")
    )
    if not lines:
        raise ValidationError("La solicitud no nombra ninguna línea del cliente.")
    return lines


def _attachments(case, document_ids) -> list[Attachment]:
    attachments = []
    for document in case.documents.filter(pk__in=document_ids or []).order_by("pk"):
        with document.file.open("rb") as handle:
            content = handle.read()
        name = document.file.name.rsplit("/", 1)[-1]
        content_type = PDF if name.endswith(".pdf") else XLSX
        attachments.append(Attachment(name, content, content_type))
    return attachments


@registry.register_action("call_detail_quote")
def call_detail_quote(instance, line_ids, billable_months: int) -> str:
    """Steps 1.2 and 5.1: what the request costs, in words for the customer.
    The decision table said how many months are billable per line; the
    tariff says what one costs."""
    case = case_for_instance(instance)
    tariff = tariff_get(TariffCode.CALL_DETAIL_PREVIOUS_MONTH)
    per_line = fee_for_line(billable_months=int(billable_months), tariff_amount=tariff.amount)
    if not per_line:
        return "Sin costo."
    lines = _lines(case, line_ids)
    return (
        f"{billable_months} mes(es) anterior(es) × {format_bs(tariff.amount)} = "
        f"{format_bs(per_line)} por línea, en la próxima factura de cada línea "
        f"({len(lines)} línea(s): {format_bs(per_line * len(lines))} en total)."
    )


@registry.register_action("call_detail_generate")
def call_detail_generate(instance, line_ids, source: str, months) -> dict:
    """Steps 2 and 7: the detail of the lines and months, from the call-records
    adapter, written as PDF and Excel and kept with the case."""
    case = case_for_instance(instance)
    detail, documents = call_detail_documents(
        case=case,
        products=_lines(case, line_ids),
        source=source,
        months=list(months),
        user=current_actor(),
    )
    return {
        "document_ids": [document.pk for document in documents],
        "calls": detail.call_count,
        "total_cost": str(detail.total_cost),
        "lines_label": detail.lines_label,
        "months_label": detail.months_label,
        "source_label": detail.source_label,
        "summary": detail.summary(),
    }


@registry.register_action("charge_call_detail_fee")
def charge_call_detail_fee(instance, line_ids, previous_month_keys, billable_months: int) -> list:
    """Steps 7.1–7.2: each line's fee on that line's next recurring invoice
    (nothing when the decision table found no billable month)."""
    billable_months = int(billable_months)
    if billable_months <= 0:
        return []
    case = case_for_instance(instance)
    tariff = tariff_get(TariffCode.CALL_DETAIL_PREVIOUS_MONTH)
    months = ", ".join(month_label(key) for key in previous_month_keys)
    charges = []
    for line in _lines(case, line_ids):
        charge = charge_add(
            product=line,
            concept=f"Detalle de llamadas de meses anteriores ({months}) · {case.number}"[:200],
            tariff=tariff,
            quantity=billable_months,
            user=current_actor(),
        )
        charges.append(
            {
                "charge_id": charge.pk,
                "service_number": line.service_number,
                "amount": str(charge.amount),
                "concept": charge.concept,
            }
        )
    return charges


@registry.register_action("email_detail_to_executive")
def email_detail_to_executive(instance, call_detail, charges=None) -> dict:
    """Step 8: the commercial manager's e-mail to the executive with the
    detail attached (through the outbox; sent when the step commits)."""
    case = case_for_instance(instance)
    executive = case.company.executive
    if executive is None or not executive.email:
        return {"email_id": None, "reason": "La ejecutiva no tiene correo registrado."}
    email = email_queue(
        template="calls/call_detail_to_executive",
        to=[executive.email],
        context={
            "case": case,
            "executive": executive,
            "detail": call_detail,
            "charges": charges or [],
            "sender": current_actor(),
        },
        attachments=_attachments(case, call_detail.get("document_ids")),
        case=case,
        user=current_actor(),
    )
    return {"email_id": email.pk}


@registry.register_action("email_detail_to_customer")
def email_detail_to_customer(instance, send_to: str, call_detail) -> dict:
    """Steps 3 and 9: the executive's e-mail to the customer with the detail
    attached (through the outbox; sent when the step commits)."""
    case = case_for_instance(instance)
    email = email_queue(
        template="outbox/case_message",
        to=[send_to],
        context={
            "case": case,
            "subject": f"Detalle de llamadas salientes {call_detail.get('source_label', '')}",
            "message": (
                "Le enviamos adjunto, en PDF y en Excel, el detalle de llamadas salientes "
                f"de las líneas {call_detail.get('lines_label', '')} "
                f"por los meses {call_detail.get('months_label', '')}."
            ),
            "sender": current_actor(),
        },
        attachments=_attachments(case, call_detail.get("document_ids")),
        case=case,
        user=current_actor(),
    )
    return {"email_id": email.pk}
