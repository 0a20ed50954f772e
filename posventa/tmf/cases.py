"""What the TMF facades read from a case, shared by TMF621 and TMF622: the
facts its TMF status is computed from (annotated on the query, so that the
same rule filters a list in the database and writes each resource), the
party, product and channel references, the notes and the status history.

A case's TMF status is a pure function of the case's row and three facts of
its process (docs/tmf.md has the tables):

- `tmf_first_step_at`: when its first person's step (a user task) was
  completed; none while nobody has acted on it yet;
- `tmf_pending_task`: whether a step waits in an inbox now (none: the
  process waits for a message — a work order closed, UTAR's answer — or a
  date);
- `tmf_quality_call`: whether the step waiting is the executive's
  quality-control call, the last step once the customer's request is done.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from posventa.cases.models import Case, CaseStatus
from posventa.common.nit import normalize_nit
from posventa.customers.models import Company, Interaction
from posventa.engine.models import HumanTask, TaskEvent
from posventa.inventory.models import Product

QUALITY_CALL_FORM = "common/quality_call"

# The open case's phases, in the order they are decided (first that holds).
PENDING = "pending"  # the case waits for the customer
RESOLVED = "resolved"  # only the quality-control call is left
ACKNOWLEDGED = "acknowledged"  # nobody has completed a step yet
HELD = "held"  # no step in any inbox: the process waits for a message or a date
IN_PROGRESS = "inProgress"  # a step is in someone's inbox


def with_facts(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with the facts their TMF status is computed from."""
    interactions = Interaction.objects.select_related("recorded_by").order_by("occurred_at", "pk")
    return (
        cases.select_related("company", "product", "instance")
        .prefetch_related(Prefetch("interactions", queryset=interactions), "product_changes")
        .annotate(
            tmf_first_step_at=Subquery(
                TaskEvent.objects.filter(
                    instance_id=OuterRef("instance_id"),
                    kind="UserTask",
                    ended_at__isnull=False,
                    cancelled=False,
                )
                .order_by("ended_at")
                .values("ended_at")[:1]
            ),
            tmf_pending_task=Exists(HumanTask.objects.filter(instance_id=OuterRef("instance_id"))),
            tmf_quality_call=Exists(
                HumanTask.objects.filter(
                    instance_id=OuterRef("instance_id"), form_key=QUALITY_CALL_FORM
                )
            ),
        )
    )


def open_phase(case: Case, *, resolved: bool) -> str:
    """The phase of an open case (`resolved`: the facade has that status)."""
    if case.status == CaseStatus.WAITING_CUSTOMER:
        return PENDING
    if resolved and case.tmf_quality_call:
        return RESOLVED
    if case.tmf_first_step_at is None:
        return ACKNOWLEDGED
    if not case.tmf_pending_task:
        return HELD
    return IN_PROGRESS


def open_phase_q(phase: str, *, resolved: bool) -> Q:
    """The database condition for `open_phase(case) == phase`: the same rule
    (a test holds them equal)."""
    if phase == PENDING:
        return Q(status=CaseStatus.WAITING_CUSTOMER)
    is_open = Q(status=CaseStatus.OPEN)
    not_resolved = ~Q(tmf_quality_call=True) if resolved else Q()
    if phase == RESOLVED:
        return is_open & Q(tmf_quality_call=True) if resolved else Q(pk__in=[])
    if phase == ACKNOWLEDGED:
        return is_open & not_resolved & Q(tmf_first_step_at__isnull=True)
    if phase == HELD:
        return (
            is_open & not_resolved & Q(tmf_first_step_at__isnull=False) & Q(tmf_pending_task=False)
        )
    if phase == IN_PROGRESS:
        return (
            is_open & not_resolved & Q(tmf_first_step_at__isnull=False) & Q(tmf_pending_task=True)
        )
    raise ValueError(phase)


def status_q(status: str, *, closed: dict[str, str], resolved: bool) -> Q:
    """The cases whose TMF status is `status`: `closed` maps a closed case's
    outcome to its status (the others' default under the key "")."""
    if status in (PENDING, RESOLVED, ACKNOWLEDGED, HELD, IN_PROGRESS) and (
        status != RESOLVED or resolved
    ):
        condition = open_phase_q(status, resolved=resolved)
    else:
        condition = Q(pk__in=[])
    outcomes = [o for o, s in closed.items() if s == status and o]
    if outcomes:
        condition |= Q(status=CaseStatus.CLOSED, outcome__in=outcomes)
    if closed.get("") == status:
        condition |= Q(status=CaseStatus.CLOSED) & ~Q(outcome__in=[o for o in closed if o])
    return condition


def status_of(case: Case, *, closed: dict[str, str], resolved: bool) -> str:
    if case.status == CaseStatus.CLOSED:
        return closed.get(case.outcome, closed[""])
    return open_phase(case, resolved=resolved)


def status_history(case: Case, *, closed: dict[str, str], resolved: bool) -> list[dict]:
    """The status changes the case's recorded moments show: received
    (acknowledged), its first step completed (inProgress), waiting for the
    customer since (pending, while it waits now), closed. Earlier waits are
    kept only as a total (`customer_wait`), not as moments: not listed."""
    changes = [{"status": ACKNOWLEDGED, "changeDate": case.received_at}]
    if case.tmf_first_step_at is not None:
        changes.append({"status": IN_PROGRESS, "changeDate": case.tmf_first_step_at})
    if case.waiting_since is not None and case.status == CaseStatus.WAITING_CUSTOMER:
        changes.append({"status": PENDING, "changeDate": case.waiting_since})
    if case.status == CaseStatus.CLOSED and case.closed_at is not None:
        change = {
            "status": status_of(case, closed=closed, resolved=resolved),
            "changeDate": case.closed_at,
            "changeReason": case.cancel_reason or case.get_outcome_display(),
        }
        changes.append(change)
    changes.sort(key=lambda c: c["changeDate"])
    for change in changes:
        change["@type"] = "StatusChange"
    return changes


def status_change_date(case: Case) -> datetime:
    """When the current status began: the last of the history's moments."""
    moments = [case.received_at, case.tmf_first_step_at, case.closed_at]
    if case.status == CaseStatus.WAITING_CUSTOMER:
        moments.append(case.waiting_since)
    return max(m for m in moments if m is not None)


# --- references ---------------------------------------------------------------------------


def base_url() -> str:
    """The scheme and host of `href`s built without a request (the event
    hub's bodies): settings.POSVENTA_PUBLIC_URL if set, else relative hrefs."""
    return settings.POSVENTA_PUBLIC_URL


def organization_ref(company: Company, root: str) -> dict:
    """The customer as TMF632's Organization, the case's party."""
    return {
        "id": str(company.pk),
        "href": f"{root}/tmf-api/party/v4/organization/{company.pk}",
        "name": company.display_name,
        "role": "customer",
        "@type": "RelatedParty",
        "@referredType": "Organization",
    }


def product_href(product: Product, root: str) -> str:
    """The product in TMF637 Product Inventory."""
    return f"{root}/tmf-api/productInventory/v4/product/{product.pk}"


def channel_ref(case: Case) -> dict:
    return {"id": case.channel, "name": case.get_channel_display(), "@referredType": "Channel"}


def notes(case: Case) -> list[dict]:
    """The case's contacts with the customer (its interactions), oldest first."""
    return [
        {
            "id": str(i.pk),
            "author": str(i.recorded_by),
            "date": i.occurred_at,
            "text": f"{i.get_channel_display()} · {i.get_direction_display()}: {i.summary}",
            "@type": "Note",
        }
        for i in case.interactions.all()
    ]


def _as_id(reference: str) -> int | None:
    """A reference as a row id, when it can be one (ASCII digits, within 64 bits)."""
    if reference.isascii() and reference.isdigit() and len(reference) <= 18:
        return int(reference)
    return None


def find_company(user, reference: str) -> Company | None:
    """The customer a RelatedParty names, among those the user sees: by its
    id (TMF632 Organization id) or by its NIT. AmbiguousReference when the
    two name different customers."""
    visible = Company.objects.visible_to(user)
    pk = _as_id(reference)
    by_id = visible.filter(pk=pk).first() if pk is not None else None
    nit = normalize_nit(reference)
    by_nit = visible.filter(nit=nit).first() if nit else None
    if by_id is not None and by_nit is not None and by_id.pk != by_nit.pk:
        raise AmbiguousReference
    return by_id or by_nit


def find_product(company: Company, reference: str) -> Product | None:
    """The customer's product a reference names: by id or by service number."""
    pk = _as_id(reference)
    by_id = Product.objects.filter(company=company, pk=pk).first() if pk is not None else None
    by_number = Product.objects.filter(company=company, service_number=reference).first()
    if by_id is not None and by_number is not None and by_id.pk != by_number.pk:
        raise AmbiguousReference
    return by_id or by_number


class AmbiguousReference(Exception):
    """An id that is one record's id and another's NIT or service number."""


def party_q(values: list[str]) -> Q:
    """The cases of the customers these ids or NITs name."""
    ids = [pk for pk in map(_as_id, values) if pk is not None]
    return Q(company_id__in=ids) | Q(company__nit__in=[normalize_nit(v) for v in values])


def product_q(values: list[str]) -> Q:
    """The cases on the products these ids or service numbers name."""
    ids = [pk for pk in map(_as_id, values) if pk is not None]
    return Q(product_id__in=ids) | Q(product__service_number__in=values)


def party_and_product(user, parties: list, entities: list) -> tuple[Company, Product]:
    """The customer (the RelatedParty that is an Organization, or the only
    one) and its product (the RelatedEntity or ProductRef that is a Product)
    a create request names; ValidationError in Spanish otherwise."""
    organizations = [p for p in parties if (p.referredType or "Organization") == "Organization"]
    if len(organizations) != 1:
        raise ValidationError(
            {
                "relatedParty": _(
                    "Name the customer once: one related party with @referredType "
                    "Organization, by its id or its NIT."
                )
            }
        )
    try:
        company = find_company(user, organizations[0].id)
    except AmbiguousReference:
        company = None
        raise ValidationError(
            {"relatedParty": _("This id is one customer's id and another's NIT: give the NIT.")}
        ) from None
    if company is None:
        raise ValidationError({"relatedParty": _("No customer of yours has this id or NIT.")})
    products = [e for e in entities if (e.referredType or "Product") == "Product"]
    if len(products) != 1:
        raise ValidationError(
            {
                "relatedEntity": _(
                    "Name the product once: one reference with @referredType Product, by "
                    "its id or its service number."
                )
            }
        )
    try:
        product = find_product(company, products[0].id)
    except AmbiguousReference:
        raise ValidationError(
            {
                "relatedEntity": _(
                    "This id is one product's id and another's service number: give the "
                    "service number."
                )
            }
        ) from None
    if product is None:
        raise ValidationError({"relatedEntity": _("This customer has no such product.")})
    return company, product


def renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's ValidationError with its fields named as the TMF resource names them."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {names.get(field, field): errors for field, errors in exc.error_dict.items()}
    )
