"""Procedure L, technical support visits: what the system does — the visit
in the shared calendar with its work order, the engineering service that
closes it, the quality-control call."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from posventa.cases.selectors import case_for_instance
from posventa.common.dates import datetime_or_none
from posventa.engine.context import current_actor
from posventa.engine.registry import registry
from posventa.visits import services
from posventa.visits.models import Visit


@registry.register_action("schedule_support_visit")
def schedule_support_visit(
    instance,
    analyst: int,
    starts_at: str,
    ends_at: str,
    person: str,
    location: str = "",
    observations: str = "",
    findings: str = "",
) -> dict:
    """Step 5: the visit goes into the shared calendar (no double booking),
    with its work order of kind visit assigned to the analyst."""
    case = case_for_instance(instance)
    visit = services.visit_schedule(
        company=case.company,
        product=case.product,
        case=case,
        analyst=get_user_model().objects.get(pk=analyst),
        starts_at=datetime_or_none(starts_at),
        ends_at=datetime_or_none(ends_at),
        person=person,
        location=location,
        reason=findings or case.subject,
        observations=observations,
        user=current_actor(),
    )
    return {
        "visit_id": visit.pk,
        "work_order_id": visit.work_order.number,
        "at": timezone.localtime(visit.starts_at).strftime("%d/%m/%Y %H:%M"),
    }


@registry.register_action("record_engineering_service")
def record_engineering_service(instance, visit_id: int, work_done: str, resolved: bool) -> str:
    """Steps 6–7: the engineering service with the work done; the visit's
    work order closes."""
    record = services.engineering_service_record(
        visit=Visit.objects.get(pk=visit_id),
        work_done=work_done,
        resolved=bool(resolved),
        user=current_actor(),
        from_case=True,
    )
    return record.visit.work_order.number


@registry.register_action("record_quality_call")
def record_quality_call(instance, visit_id: int, quality_result: str, note: str = "") -> str:
    """Step 8: the quality-control call's result goes on the calendar's visit."""
    visit = services.quality_call_record(
        visit=Visit.objects.get(pk=visit_id),
        result=quality_result,
        notes=note,
        user=current_actor(),
        from_case=True,
    )
    return visit.quality_result
