"""Writes of the shared visit calendar. Procedure L's support visits:
schedule one (never two visits of one analyst at once), move it, record its
engineering service (which closes its work order) and the quality-control
call. The executives' commercial visits (Annex 1): plan one (never two of one
executive at once), move it, cancel it — only the executive herself."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, Role, can
from posventa.common.services import validated_save
from posventa.integrations.handback import engineering_service_hand_back
from posventa.visits.models import (
    EngineeringService,
    QualityResult,
    Visit,
    VisitKind,
    VisitState,
)
from posventa.workorders.models import FieldUnit, WorkOrder, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create


def may_plan(user) -> bool:
    """The technical analysts (procedure L step 5), the team lead and the
    technical manager schedule, move and cancel support visits."""
    return can(user, Capability.PLAN_VISITS)


def may_view_calendar(user) -> bool:
    """Who sees the visits calendar: the planners, the executives (their
    commercial visits), the analysts and whoever follows work orders."""
    return (
        may_plan(user)
        or may_plan_commercial(user)
        or user.role == Role.TECHNICAL_ANALYST
        or can(user, Capability.VIEW_WORK_ORDERS)
        or can(user, Capability.OWN_PORTFOLIO)
    )


def may_plan_commercial(user) -> bool:
    """An executive plans her own commercial visits (Annex 1)."""
    return (
        can(user, Capability.PLAN_COMMERCIAL_VISITS) and getattr(user, "role", "") == Role.EXECUTIVE
    )


def may_change(user, visit: Visit) -> bool:
    """Who moves or cancels this visit: a support visit, its planners; a
    commercial visit, only the executive whose visit it is."""
    if visit.kind == VisitKind.COMMERCIAL:
        return may_plan_commercial(user) and visit.executive_id == user.pk
    return may_plan(user)


def require_planner(user) -> None:
    if not may_plan(user):
        raise PermissionDenied(
            _(
                "Only the technical analysts, the team lead and the technical manager plan "
                "support visits."
            )
        )


def _require_may_change(user, visit: Visit) -> None:
    if visit.kind == VisitKind.COMMERCIAL:
        if not may_change(user, visit):
            raise PermissionDenied(_("Only the executive whose visit it is changes it."))
    else:
        require_planner(user)


def _check_slot(*, kind: str, person, starts_at, ends_at, exclude_pk=None) -> None:
    """Refuse a double booking of whoever goes: the analyst of a support
    visit, the executive of a commercial one. Her user row is locked first,
    so two bookings of one person at once queue here and the second sees the
    first's visit."""
    errors = {}
    if starts_at is None:
        errors["starts_at"] = _("Say when the visit starts.")
    if ends_at is None:
        errors["ends_at"] = _("Say when the visit ends.")
    if errors:
        raise ValidationError(errors)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The visit must end after it starts.")})
    if kind == VisitKind.SUPPORT:
        if person is None or person.role != Role.TECHNICAL_ANALYST:
            raise ValidationError({"analyst": _("Choose a technical analyst.")})
        mine = {"analyst": person}
    else:
        if person is None or person.role != Role.EXECUTIVE:
            raise ValidationError({"executive": _("A commercial visit is an executive's.")})
        mine = {"executive": person}
    get_user_model().objects.select_for_update().get(pk=person.pk)
    clash = (
        Visit.objects.filter(
            **mine,
            state__in=(VisitState.SCHEDULED, VisitState.DONE),
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .select_related("company")
        .exclude(pk=exclude_pk)
        .first()
    )
    if clash is None:
        return
    facts = {
        "analyst": person.get_full_name() or person.username,
        "company": clash.company,
        "when": timezone.localtime(clash.starts_at).strftime("%d/%m/%Y %H:%M"),
    }
    if kind == VisitKind.SUPPORT:
        message = _(
            "%(analyst)s already has a visit at %(company)s at %(when)s: "
            "choose another time or another analyst."
        )
    else:
        message = _("You already have a visit at %(company)s at %(when)s: choose another time.")
    raise ValidationError({"starts_at": message % facts})


@transaction.atomic
def visit_schedule(
    *,
    company,
    analyst,
    starts_at: datetime,
    ends_at: datetime,
    person: str,
    location: str = "",
    product=None,
    case=None,
    reason: str = "",
    observations: str = "",
    user,
) -> Visit:
    """Put a support visit in the shared calendar, with its work order (kind
    visit) assigned to the analyst for that time."""
    require_planner(user)
    errors = {}
    if not (person or "").strip():
        errors["person"] = _("Say whom the analyst will interview.")
    if product is not None and product.company_id != company.pk:
        errors["product"] = _("The product is not of this customer.")
    location = (location or "").strip() or (product.installation_address if product else "")
    if not location:
        errors["location"] = _("Say where the visit is.")
    if errors:
        raise ValidationError(errors)
    _check_slot(kind=VisitKind.SUPPORT, person=analyst, starts_at=starts_at, ends_at=ends_at)
    work_order = workorder_create(
        kind=WorkOrderKind.VISIT,
        company=company,
        product=product,
        case=case,
        address=location,
        description=(reason or "").strip(),
        user=user,
    )
    _assign(work_order, analyst=analyst, starts_at=starts_at, user=user)
    visit = Visit(
        kind=VisitKind.SUPPORT,
        analyst=analyst,
        company=company,
        product=product,
        case=case,
        work_order=work_order,
        starts_at=starts_at,
        ends_at=ends_at,
        person=person.strip(),
        location=location,
        reason=(reason or "").strip(),
        observations=(observations or "").strip(),
        scheduled_by=user,
    )
    validated_save(visit)
    return visit


def _assign(work_order: WorkOrder, *, analyst, starts_at, user) -> None:
    """The visit's order goes to the analyst (unit PAS) for the visit's time."""
    workorder_assign(
        work_order=work_order,
        unit=FieldUnit.PAS,
        technician=analyst.get_full_name() or analyst.username,
        scheduled_at=starts_at,
        user=user,
        from_calendar=True,
    )


@transaction.atomic
def commercial_visit_plan(
    *,
    company,
    starts_at: datetime,
    ends_at: datetime,
    person: str,
    location: str = "",
    observations: str = "",
    user,
) -> Visit:
    """Annex 1: the executive puts her own commercial visit ("oferta de
    servicio") to a company of her portfolio in the calendar. No work order
    and no case: it is her sales agenda, not a post-sale request."""
    if not may_plan_commercial(user):
        raise PermissionDenied(_("Only an executive plans her own commercial visits."))
    errors = {}
    if company is None or company.executive_id != user.pk:
        errors["company"] = _("Choose a company of your portfolio.")
    if not (person or "").strip():
        errors["person"] = _("Say whom you will interview.")
    location = (location or "").strip() or (company.address if company is not None else "")
    if not location:
        errors["location"] = _("Say where the visit is.")
    if errors:
        raise ValidationError(errors)
    _check_slot(kind=VisitKind.COMMERCIAL, person=user, starts_at=starts_at, ends_at=ends_at)
    visit = Visit(
        kind=VisitKind.COMMERCIAL,
        executive=user,
        company=company,
        starts_at=starts_at,
        ends_at=ends_at,
        person=person.strip(),
        location=location,
        observations=(observations or "").strip(),
        scheduled_by=user,
    )
    validated_save(visit)
    return visit


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().get(pk=visit.pk)


def _refuse_outside_its_case(visit: Visit, *, from_case: bool) -> None:
    """A visit asked for in a case (procedure L) is recorded by that case's
    steps, where its owner has it in the inbox — not a second time from the
    calendar."""
    if visit.case_id is not None and not from_case:
        raise ValidationError(
            _("This visit belongs to case %(number)s: record it in the case's step.")
            % {"number": visit.case.number}
        )


@transaction.atomic
def visit_move(*, visit: Visit, starts_at: datetime, ends_at=None, analyst=None, user) -> Visit:
    """Move a scheduled visit to another time (a support visit, to another
    analyst too); the length is kept when no end is given."""
    _require_may_change(user, visit)
    visit = _locked(visit)
    if visit.state != VisitState.SCHEDULED:
        raise ValidationError(_("Only a scheduled visit can be moved."))
    if visit.kind == VisitKind.COMMERCIAL and analyst is not None:
        raise ValidationError({"analyst": _("A commercial visit is the executive's own.")})
    if ends_at is None and starts_at is not None:
        ends_at = starts_at + (visit.ends_at - visit.starts_at)
    if visit.kind == VisitKind.COMMERCIAL:
        _check_slot(
            kind=VisitKind.COMMERCIAL,
            person=visit.executive,
            starts_at=starts_at,
            ends_at=ends_at,
            exclude_pk=visit.pk,
        )
        visit.starts_at, visit.ends_at = starts_at, ends_at
        validated_save(visit, update_fields=["starts_at", "ends_at", "updated_at"])
        return visit
    analyst = analyst or visit.analyst
    _check_slot(
        kind=VisitKind.SUPPORT,
        person=analyst,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_pk=visit.pk,
    )
    visit.starts_at, visit.ends_at, visit.analyst = starts_at, ends_at, analyst
    validated_save(visit, update_fields=["starts_at", "ends_at", "analyst", "updated_at"])
    _assign(visit.work_order, analyst=analyst, starts_at=starts_at, user=user)
    return visit


@transaction.atomic
def visit_cancel(*, visit: Visit, reason: str, user) -> Visit:
    """Take a visit out of the calendar (e.g. solved by remote diagnosis, or
    the customer put off the sales visit). A support visit's work order
    closes as attended without a field visit. A visit of a case is not
    cancelled here: its case waits for its engineering service."""
    _require_may_change(user, visit)
    visit = _locked(visit)
    _refuse_outside_its_case(visit, from_case=False)
    if visit.state != VisitState.SCHEDULED:
        raise ValidationError(_("Only a scheduled visit can be cancelled."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the visit is cancelled.")})
    visit.state = VisitState.CANCELLED
    visit.observations = "\n".join(filter(None, [visit.observations, reason.strip()]))
    validated_save(visit, update_fields=["state", "observations", "updated_at"])
    if visit.work_order_id is not None:
        _close_order(visit.work_order, WorkOrderState.ATTENDED_WITHOUT_SOLUTION, reason, user)
    return visit


def _refuse_commercial(visit: Visit) -> None:
    """The engineering service and the quality call are procedure L's."""
    if visit.kind == VisitKind.COMMERCIAL:
        raise ValidationError(
            _(
                "A commercial visit has no work order: it has no engineering service or "
                "quality-control call."
            )
        )


def _close_order(work_order: WorkOrder, state: str, result: str, user) -> None:
    workorder_close(
        work_order=work_order, state=state, result=result, user=user, from_calendar=True
    )


@transaction.atomic
def engineering_service_record(
    *, visit: Visit, work_done: str, resolved: bool = True, user, from_case: bool = False
) -> EngineeringService:
    """The visit was made: the analyst (or the technical manager) records
    the work done, and the visit's work order closes with it. A visit of a
    case is recorded by the case's step (`from_case`)."""
    _refuse_commercial(visit)
    if not (user == visit.analyst or can(user, Capability.MANAGE_WORK_ORDERS)):
        raise PermissionDenied(
            _("The visit's analyst or the technical manager records its engineering service.")
        )
    visit = _locked(visit)
    _refuse_outside_its_case(visit, from_case=from_case)
    if visit.state != VisitState.SCHEDULED:
        raise ValidationError(
            _("This visit already has its engineering service, or was cancelled.")
        )
    if not (work_done or "").strip():
        raise ValidationError({"work_done": _("Write the work done on the visit.")})
    if visit.starts_at > timezone.now():
        raise ValidationError(_("The visit has not happened yet."))
    record = EngineeringService(visit=visit, work_done=work_done.strip(), recorded_by=user)
    validated_save(record)
    visit.state = VisitState.DONE
    validated_save(visit, update_fields=["state", "updated_at"])
    state = WorkOrderState.CLOSED_RESOLVED if resolved else WorkOrderState.ATTENDED_WITHOUT_SOLUTION
    _close_order(visit.work_order, state, work_done, user)
    # L 7: the "Servicio de Ingeniería" goes to the commercial system too.
    engineering_service_hand_back(record)
    return record


@transaction.atomic
def quality_call_record(
    *, visit: Visit, result: str, notes: str = "", user, from_case: bool = False
) -> Visit:
    """The quality-control call made from the calendar, once the visit is
    done (a visit of a case: by the case's step, `from_case`)."""
    require_planner(user)
    _refuse_commercial(visit)
    visit = _locked(visit)
    _refuse_outside_its_case(visit, from_case=from_case)
    if visit.state != VisitState.DONE:
        raise ValidationError(_("The quality-control call comes after the visit is done."))
    if visit.quality_result:
        raise ValidationError(_("The quality-control call of this visit is already recorded."))
    if result not in QualityResult.values:
        raise ValidationError({"result": _("Choose how the customer rated the visit.")})
    visit.quality_result = result
    visit.quality_notes = (notes or "").strip()
    visit.quality_called_at = timezone.now()
    validated_save(
        visit, update_fields=["quality_result", "quality_notes", "quality_called_at", "updated_at"]
    )
    return visit
