"""Cases with pending steps for the case list's and the team view's tests,
written straight to the tables: the list and the team view read rows, they
run no process (the browser tests run real ones)."""

import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from posventa.cases.models import Case, CaseStatus
from posventa.engine.models import HumanTask, InstanceStatus, ProcessInstance, ProcessVersion


def _version() -> ProcessVersion:
    version = ProcessVersion.objects.filter(process_id="listing_test").first()
    return version or ProcessVersion.objects.create(
        process_id="listing_test",
        name="Listing test",
        version=1,
        checksum="0" * 64,
        sources={"listing.bpmn": "<definitions/>"},
        main_file="listing.bpmn",
    )


def make_case(
    number: str,
    company,
    *,
    procedure: str = "B",
    channel: str = "email",
    received_at: datetime | None = None,
    requested_at: datetime | str | None = "received",
    status: str = CaseStatus.OPEN,
    outcome: str = "",
    attended_at: datetime | None = None,
    steps: tuple = (),
    process: bool = True,
    **fields,
) -> Case:
    """A case; `steps` are (role, assignee or None) pending in its process.
    `requested_at` is the reception unless given (None: the team's own work)."""
    received_at = received_at or timezone.now() - timedelta(hours=1)
    instance = None
    if process:
        ended = status == CaseStatus.CLOSED
        instance = ProcessInstance.objects.create(
            version=_version(),
            business_key=number,
            state="{}",
            status=InstanceStatus.COMPLETED if ended else InstanceStatus.RUNNING,
            completed_at=timezone.now() if ended else None,
        )
    case = Case.objects.create(
        number=number,
        company=company,
        procedure=procedure,
        channel=channel,
        received_at=received_at,
        requested_at=received_at if requested_at == "received" else requested_at,
        subject=f"Solicitud {number}",
        status=status,
        outcome=outcome,
        attended_at=attended_at,
        closed_at=timezone.now() if status == CaseStatus.CLOSED else None,
        instance=instance,
        **fields,
    )
    for index, (role, assignee) in enumerate(steps):
        HumanTask.objects.create(
            instance=instance,
            task_id=uuid.uuid4(),
            bpmn_id=f"step_{index}",
            name=f"Paso {index + 1} de {number}",
            lane=role,
            role=role,
            form_key="",
            assignee=assignee,
            created_at=received_at,
        )
    return case
