"""Writes on cases. `case_open` is the single way a request gets in — from a
person, a channel or the API."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, Role, can
from posventa.cases.models import (
    Alert,
    Case,
    CaseDocument,
    CaseNumberCounter,
    CaseStatus,
    Outcome,
    Procedure,
    TaskReassignment,
)
from posventa.cases.rules import attention_due
from posventa.cases.selectors import case_known
from posventa.common.models import Channel
from posventa.common.services import clean_own_fields, database_refusal
from posventa.common.uploads import accept_upload
from posventa.customers.models import Company, Direction, company_visible_to
from posventa.customers.services import interaction_record, interaction_record_within
from posventa.engine import services as engine
from posventa.engine.deployment import latest_version_id
from posventa.engine.models import InstanceStatus, ProcessInstance
from posventa.events import services as events
from posventa.inventory.models import Product
from posventa.outbox.services import email_queue
from posventa.procedures import collisions
from posventa.procedures.catalog import (
    customer_asked,
    needs_product,
    process_id_for,
    products_for,
)

FUTURE_TOLERANCE = timedelta(minutes=5)


def next_case_number(year: int) -> str:
    """PV-2026-000123: the year's next number, in one statement that creates
    the year's counter or adds one to it, and keeps its row locked until the
    case commits (two requests opened at once get two numbers, in order)."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"PV-{year}-{last:06d}"


def _product_applies(procedure: str, company: Company, product: Product) -> bool:
    """Whether a case of `procedure` may be opened on `product`. Where one
    product takes one change at a time (`collisions.CHECKED`), its row is
    locked by the same query: two requests opened on it at the same moment
    meet here one after the other, and the second sees the first."""
    applicable = products_for(procedure, company).filter(pk=product.pk)
    if procedure in collisions.CHECKED:
        applicable = applicable.select_for_update(of=("self",))
    return bool(applicable.values_list("pk"))


@transaction.atomic
def case_open(
    *,
    company: Company,
    procedure: str,
    channel: str,
    subject: str,
    user,
    description: str = "",
    received_at: datetime | None = None,
    product: Product | None = None,
    documents: list[tuple[str, object]] = (),
    acknowledge_open_cases: bool = False,
    notify: bool = True,
) -> Case:
    """Register a customer's request and start its procedure's process.

    The intake is recorded as an inbound interaction of the case (unless
    the team started it by calling: `catalog.TEAM_INITIATED`); documents
    (kind, uploaded file) are kept with it.

    One product, one change at a time (`procedures/collisions.py`): a request
    that collides with an open case on its product raises CaseCollision —
    always when the rule refuses, and when it only warns unless the person
    acknowledged the open cases.

    The customer who asked is told the case number (`notify`; the triage
    inbox says it itself, on the message's own thread: `channels.notify`).

    What Python can check is checked before anything is written; what the
    database enforces (the rows the case points to exist, its number is
    unique, its constraints hold) it enforces in the inserts themselves.
    About a dozen statements in all (`bench/procedure_b.py`)."""
    if not company_visible_to(company, user):
        raise PermissionDenied(_("This customer is not in your portfolio."))
    errors = {}
    process_id = process_id_for(procedure)
    version_id = None
    if procedure not in Procedure.values:
        errors["procedure"] = _("Choose one of the manual's procedures.")
    else:
        version_id = latest_version_id(process_id) if process_id else None
        if version_id is None:
            errors["procedure"] = _("This procedure does not run in the system yet.")
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + FUTURE_TOLERANCE:
        errors["received_at"] = _("A request cannot arrive in the future.")
    if product is not None and product.company_id != company.pk:
        errors["product"] = _("The product is not of this customer.")
    elif product is None and needs_product(procedure):
        errors["product"] = _("Choose the product the request is about.")
    elif product is not None and not _product_applies(procedure, company, product):
        errors["product"] = _("This procedure does not apply to this product.")
    if not (subject or "").strip():
        errors["subject"] = _("Say briefly what the customer asks for.")
    if errors:
        raise ValidationError(errors)
    if product is not None and procedure in collisions.CHECKED:
        found = collisions.open_collisions(procedure=procedure, product=product)
        if any(c.refused for c in found) or (found and not acknowledge_open_cases):
            raise collisions.CaseCollision(found)

    case = Case(
        number=next_case_number(timezone.localtime(received_at).year),
        company=company,
        product=product,
        procedure=procedure,
        channel=channel,
        received_at=received_at,
        requested_at=received_at if customer_asked(procedure) else None,
        subject=subject.strip(),
        description=(description or "").strip(),
        opened_by=user,
    )
    clean_own_fields(case)
    # The instance's row first, so the case is inserted pointing to it; then
    # the process runs, and its hooks find the case (`case_known`).
    case.instance = engine.instance_new(version_id=version_id, business_key=case.number)
    with database_refusal(Case):
        case.save(force_insert=True)
    case_known(case.instance, case)
    for kind, file in documents:
        document_add(case=case, kind=kind, file=file, user=user)
    if customer_asked(procedure) and can(user, Capability.RECORD_INTERACTION):
        interaction_record_within(
            company=company,
            user=user,
            channel=channel,
            direction=Direction.INBOUND,
            summary=_("Request %(number)s received: %(subject)s")
            % {"number": case.number, "subject": case.subject},
            occurred_at=received_at,
            case=case,
        )
    events.case_created_publish(case=case)  # before the events of its first steps
    engine.instance_run(
        case.instance,
        data={
            "case_id": case.pk,
            "company_id": company.pk,
            "product_id": product.pk if product else None,
            "procedure": procedure,
            "channel": channel,
            # The 24-hour promise, for the models' SLA timers (ISO, aware).
            "attention_due": attention_due(received_at).isoformat(),
        },
        actor=user,
    )
    if notify and customer_asked(procedure):
        from posventa.channels.notify import notify_case

        notify_case(case=case, event="received")
    return case


def case_becomes_request(*, case: Case, answered_by_role: str = "") -> Case:
    """A case the team started (a loyalty call, a preventive review) becomes a
    customer's request when the customer reports a damage in it: from now on
    the indicators count it, in this month, with its 24 hours from now
    (docs/indicators.md, "Which requests a month counts"). The call's own
    "attended" mark is forgotten; the damage's registration answers it —
    now, by `answered_by_role` when given (the analyst registered it herself,
    K step 8), else at procedure E's registration step. A case already a request is left as it
    is. The customer is told it was received (`channels.notify`). Runs inside
    the step's transaction; saves the case."""
    if case.requested_at is not None:
        return case
    now = timezone.now()
    case.requested_at = now
    case.attended_at = now if answered_by_role else None
    case.attended_role = answered_by_role
    case.attention_warned_at = case.attention_late_at = None
    case.save(
        update_fields=[
            "requested_at",
            "attended_at",
            "attended_role",
            "attention_warned_at",
            "attention_late_at",
            "updated_at",
        ]
    )
    events.case_changes_publish(
        case=case, status_before=case.status, attended=bool(answered_by_role)
    )
    # Now the customer's request: she hears its number, as any request.
    from posventa.channels.notify import notify_case

    notify_case(case=case, event="received")
    return case


@transaction.atomic
def alert_mark_read(*, alert, user) -> None:
    """The warning was seen: it leaves the inbox of the role."""
    if alert.role != user.role:
        raise PermissionDenied(_("This warning is for another role."))
    alert.read_at = timezone.now()
    alert.save(update_fields=["read_at", "updated_at"])


def document_add(
    *, case: Case, kind: str, file, user=None, title: str = "", generated: bool = False
) -> CaseDocument:
    """Keep a document with the case. A received one must be a file the team
    may keep (`accept_upload`: kind by content, size, safe name), whoever
    sends it; a generated one is the system's own PDF or sheet."""
    if not generated:
        try:
            accept_upload(file)
        except ValidationError as error:
            raise ValidationError({"file": error.error_list}) from None
    document = CaseDocument(
        case=case,
        kind=kind,
        title=title or getattr(file, "name", "") or kind,
        file=file,
        generated=generated,
        uploaded_by=user,
    )
    document.full_clean()
    document.save()
    return document


# --- cancelling -----------------------------------------------------------------------


class CaseAlreadyClosed(engine.EngineError):
    """A closed case already has its outcome: there is nothing to cancel."""


CANCEL_REASON_MAX_LENGTH = Case._meta.get_field("cancel_reason").max_length


def may_cancel(user, case: Case) -> bool:
    """Whether the case page offers this user to cancel this case."""
    return can(user, Capability.CANCEL_CASES) and case.status != CaseStatus.CLOSED


@transaction.atomic
def case_cancel(*, case: Case, user, reason: str, channel: str = "") -> Case:
    """End an open case by hand, at whatever step it stands (the team lead or
    the division head, with a reason): its process stops — no inbox row,
    timer or awaited message is left — the case closes with the outcome
    "cancelled", who and why, and the customer is told (an outbound
    interaction of the case, by `channel`, the case's own by default).

    What the case set going outside its process is tied up too
    (`_tie_loose_ends`): a visit of the calendar is cancelled, which frees
    the analyst; a work order or a complaint at UTAR still open is named to
    whoever follows it (an alert), since only they can call it back.

    Bad input raises ValidationError and changes nothing; a closed case
    raises CaseAlreadyClosed."""
    if not can(user, Capability.CANCEL_CASES):
        raise PermissionDenied(_("Only the team lead and the division head cancel a case."))
    if not Company.objects.visible_to(user).filter(pk=case.company_id).exists():
        raise PermissionDenied(_("This customer is not in your portfolio."))
    # Rows are locked in the order the other actions on them take: the case's
    # visits and open work orders (a visit moved or an order closed locks
    # them, then delivers its message to the process), the process instance
    # (a step locks it, then its hooks update the case), the case.
    from posventa.visits.models import Visit
    from posventa.workorders.models import OPEN_STATES, WorkOrder

    list(Visit.objects.select_for_update().filter(case_id=case.pk).values_list("pk"))
    list(
        WorkOrder.objects.select_for_update()
        .filter(case_id=case.pk, state__in=OPEN_STATES)
        .values_list("pk")
    )
    instance_id = Case.objects.filter(pk=case.pk).values_list("instance_id", flat=True).get()
    if instance_id is not None:
        list(ProcessInstance.objects.select_for_update().filter(pk=instance_id).values("pk"))
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("company", "instance")
        .get(pk=case.pk)
    )
    status_before = case.status
    if case.status == CaseStatus.CLOSED:
        raise CaseAlreadyClosed(
            _("Case %(number)s is already closed (%(outcome)s): there is nothing to cancel.")
            % {"number": case.number, "outcome": case.get_outcome_display().lower()}
        )
    reason = (reason or "").strip()
    channel = channel or case.channel
    errors = {}
    if not reason:
        errors["reason"] = _("Say why the case is cancelled.")
    elif len(reason) > CANCEL_REASON_MAX_LENGTH:
        errors["reason"] = _("At most %(max)s characters.") % {"max": CANCEL_REASON_MAX_LENGTH}
    if channel not in Channel.values:
        errors["channel"] = _("Choose how the customer is told.")
    if errors:
        raise ValidationError(errors)

    if case.instance is not None and case.instance.status == InstanceStatus.RUNNING:
        engine.instance_cancel(instance_id=case.instance.pk)
    now = timezone.now()
    fields = ["status", "outcome", "closed_at", "cancelled_by", "cancel_reason"]
    if case.waiting_since is not None:
        # It stops waiting for the customer: the wait counts as when a step ends it.
        until = min(now, case.attended_at) if case.attended_at else now
        case.customer_wait += max(until - case.waiting_since, timedelta(0))
        case.waiting_since = None
        fields += ["customer_wait", "waiting_since"]
    case.status = CaseStatus.CLOSED
    case.outcome = Outcome.CANCELLED
    case.closed_at = now
    case.cancelled_by = user
    case.cancel_reason = reason
    case.full_clean()
    case.save(update_fields=[*fields, "updated_at"])
    events.case_changes_publish(case=case, status_before=status_before)
    interaction_record(
        company=case.company,
        user=user,
        channel=channel,
        direction=Direction.OUTBOUND,
        summary=_("Case %(number)s cancelled: %(reason)s")
        % {"number": case.number, "reason": reason},
        case=case,
    )
    if case.requested_at is not None:
        from posventa.channels.notify import notify_case

        notify_case(case=case, event="closed", message=reason)
    _tie_loose_ends(case, user=user, reason=reason, now=now)
    return case


def loose_ends(case: Case) -> dict:
    """What the case set going outside its process and is still under way:
    scheduled visits, open work orders (other than those visits'), complaints
    open at UTAR. The cancel page lists them before anyone confirms."""
    # Imported here: these apps hang on a case and import the cases app.
    from posventa.claims.models import Complaint
    from posventa.visits.models import Visit, VisitState
    from posventa.workorders.models import WorkOrder

    visits = list(
        Visit.objects.filter(case=case, state=VisitState.SCHEDULED).select_related("work_order")
    )
    return {
        "visits": visits,
        "work_orders": list(
            WorkOrder.objects.open()
            .filter(case=case)
            .exclude(pk__in=[v.work_order_id for v in visits])
            .order_by("number")
        ),
        "complaints": list(Complaint.objects.open().filter(case=case).order_by("pk")),
    }


def _back_to_worklists(case: Case) -> None:
    """A call of a campaign (J) or a finding of the review list (K) whose case
    was cancelled goes back to its list, to be called or reviewed again — unless
    the review list found it again meanwhile (then that newer row stands)."""
    from posventa.campaigns.models import CallResult, CampaignItem
    from posventa.reviews.models import ReviewItem

    CampaignItem.objects.filter(case=case, result=CallResult.IN_CALL).update(
        case=None, result=CallResult.PENDING
    )
    for item in ReviewItem.objects.filter(case=case):
        listed_again = ReviewItem.objects.filter(
            kind=item.kind, product_id=item.product_id, offered_type=item.offered_type, case=None
        ).exists()
        if not listed_again:
            item.case = None
            item.save(update_fields=["case", "updated_at"])


def _tie_loose_ends(case: Case, *, user, reason: str, now) -> None:
    """A scheduled visit of the case is cancelled as the calendar cancels one
    (the analyst's time is free again; its work order closes as attended
    without a visit, saying why). A work order still open is not closed here
    — a field unit may be on its way, and none of its closing states would
    be true — nor a complaint at UTAR, which only UTAR resolves: their
    history notes the cancellation, and the technical manager, respectively
    the commercial manager, get an alert naming them."""
    from posventa.common.services import validated_save
    from posventa.visits.models import VisitState
    from posventa.workorders.models import WorkOrderChange, WorkOrderState

    note = _("Case %(number)s was cancelled: %(reason)s") % {
        "number": case.number,
        "reason": reason,
    }
    pending = loose_ends(case)
    for visit in pending["visits"]:
        visit.state = VisitState.CANCELLED
        visit.observations = "\n".join(filter(None, [visit.observations, note]))
        validated_save(visit, update_fields=["state", "observations", "updated_at"])
        order = visit.work_order
        if order.state == WorkOrderState.ASSIGNED:
            order.state = WorkOrderState.ATTENDED_WITHOUT_SOLUTION
            order.result = note
            order.closed_at = now
            order.closed_by = user
            validated_save(
                order, update_fields=["state", "result", "closed_at", "closed_by", "updated_at"]
            )
        WorkOrderChange.objects.create(
            work_order=order, at=now, state=order.state, by=user, note=note[:500]
        )
    _back_to_worklists(case)
    for order in pending["work_orders"]:
        WorkOrderChange.objects.create(
            work_order=order, at=now, state=order.state, by=user, note=note[:500]
        )
    if pending["work_orders"]:
        numbers = ", ".join(order.number for order in pending["work_orders"])
        message = _(
            "Case %(number)s was cancelled; its work orders still open: %(orders)s. "
            "Withdraw them from the field unit and close them."
        ) % {"number": case.number, "orders": numbers}
        Alert.objects.create(case=case, role=Role.TECHNICAL_MANAGER, message=message[:300])
    if pending["complaints"]:
        numbers = ", ".join(complaint.number for complaint in pending["complaints"])
        message = _(
            "Case %(number)s was cancelled; its complaints still open at UTAR: %(complaints)s. "
            "Tell UTAR the customer no longer pursues them."
        ) % {"number": case.number, "complaints": numbers}
        Alert.objects.create(case=case, role=Role.COMMERCIAL_MANAGER, message=message[:300])


@transaction.atomic
def task_reassign(*, task_id, user, to_user) -> TaskReassignment:
    """The team lead or the division head hands a pending step to another
    person of its role (the team view): the inbox row is locked (the
    engine's `task_assign`), the new holder must be active and of the role,
    the handing is recorded for the case's timeline, and the new holder gets
    an e-mail. A step completed meanwhile (TaskAlreadyCompleted) or a person
    of another role (EngineError) changes nothing; the message says why."""
    if not can(user, Capability.MANAGE_TEAM_TASKS):
        raise PermissionDenied(_("Only the team lead and the division head hand a step over."))
    task, before_id = engine.task_assign(task_id=task_id, user=to_user)
    case = Case.objects.select_related("company__executive").get(instance_id=task.instance_id)
    if before_id is None and task.role == Role.EXECUTIVE:
        # Nobody had taken it: it was in the customer's executive's inbox.
        before_id = case.company.executive_id
    handed = TaskReassignment(
        case=case,
        task_id=task.task_id,
        task_name=task.name,
        role=task.role,
        from_user_id=before_id,
        to_user=to_user,
        reassigned_by=user,
    )
    handed.full_clean()
    handed.save()
    if to_user.email:
        email_queue(
            template="cases/email/task_reassigned",
            to=[to_user.email],
            context={"case": case, "task": task, "handed": handed},
            case=case,
            user=user,
        )
    return handed
