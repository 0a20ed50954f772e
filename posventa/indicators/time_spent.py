"""Where time goes: per step of a procedure, how long requests wait in the
inbox and how long they are worked on, and which steps most often hold a
request when its 24 hours pass.

The period is the cases' reception (`received_at`), so the team's own
procedures (I, J, K) have their steps timed too; a break of the 24 hours is
counted for a customer's request only, from its `requested_at`.

A step that became ready after the request was answered (the quality call,
for one) runs after the 24-hour clock stopped: it is marked so, listed last
and left out of the heat scale.

Waiting: from the step becoming ready to someone taking it (claiming it or
opening its form); working: from then to its completion. A step completed
without being opened first (e.g. through the API) counts as taken when it was
completed. Receive tasks and catch events (a work order, a date) are all
waiting. The durations of the period are read with one query and their
percentiles computed here; the counting of 24-hour breaks happens in the
database.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median, quantiles

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q

from posventa.accounts.roles import Role
from posventa.cases.rules import ATTENTION_HOURS
from posventa.engine.models import ProcessVersion, TaskEvent
from posventa.indicators.selectors import cases_measured_for
from posventa.procedures.catalog import LANES, PROCESS_IDS

TIMED_KINDS = ("UserTask", "ReceiveTask", "IntermediateCatchEvent")
HUMAN_KINDS = ("UserTask",)


@dataclass(frozen=True)
class StepTime:
    bpmn_id: str
    name: str
    role: str
    count: int
    waiting_median: timedelta
    waiting_p90: timedelta
    working_median: timedelta
    working_p90: timedelta
    total_p90: timedelta
    breaks: int  # requests whose 24 hours passed while this step was pending
    heat: int = 0  # 0–4, by the median total time against the slowest step on the clock
    after_clock: int = 0  # times it became ready after the request was answered

    @property
    def outside_clock(self) -> bool:
        """Mostly done after the request was answered (e.g. the quality
        call): the 24 hours had already stopped, so its time is not theirs."""
        return self.after_clock * 2 > self.count

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role in Role.values else ""

    @property
    def total_median(self) -> timedelta:
        return self.waiting_median + self.working_median


def _p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return quantiles(values, n=10, method="inclusive")[-1]


def _seconds(values) -> tuple[timedelta, timedelta]:
    if not values:
        return timedelta(0), timedelta(0)
    return timedelta(seconds=median(values)), timedelta(seconds=_p90(values))


def step_times(user, procedure: str, start: datetime, end: datetime, role: str = ""):
    """The steps of the procedure's cases received in [start, end): slowest
    24-hour breakers first. The period reads the reception, not the
    customer's request: where time goes is about the work of every case, the
    team's own calls (I, J, K) included; only the 24-hour breaks are the
    requests' (from `requested_at`)."""
    cases = cases_measured_for(user).filter(
        procedure=procedure, received_at__gte=start, received_at__lt=end
    )
    events = TaskEvent.objects.filter(
        instance__case__in=cases, kind__in=TIMED_KINDS, cancelled=False, ended_at__isnull=False
    )
    rows = events.values_list(
        "bpmn_id",
        "name",
        "lane",
        "kind",
        "started_at",
        "taken_at",
        "ended_at",
        "instance__case__requested_at",
        "instance__case__attended_at",
    )
    steps: dict[str, dict] = {}
    for bpmn_id, name, lane, kind, started, taken, ended, requested, attended in rows.iterator(
        chunk_size=5000
    ):
        step = steps.setdefault(
            bpmn_id,
            {
                "name": name,
                "role": LANES.get(lane, ""),
                "waiting": [],
                "working": [],
                "after_clock": 0,
            },
        )
        # The 24-hour clock of a customer's request stops when it is answered:
        # a step that became ready from then on runs outside it.
        if requested is not None and attended is not None and started >= attended:
            step["after_clock"] += 1
        if kind in HUMAN_KINDS:
            taken = min(max(taken or ended, started), ended)
            step["waiting"].append((taken - started).total_seconds())
            step["working"].append((ended - taken).total_seconds())
        else:
            step["waiting"].append((ended - started).total_seconds())
            step["working"].append(0.0)

    # The 24 hours run from the customer's request: a case the team started
    # with no request in it breaks none.
    due = ExpressionWrapper(
        F("instance__case__requested_at") + timedelta(hours=ATTENTION_HOURS),
        output_field=DateTimeField(),
    )
    breaks = dict(
        TaskEvent.objects.filter(
            instance__case__in=cases.filter(requested_at__isnull=False),
            kind__in=TIMED_KINDS,
            cancelled=False,
        )
        .filter(started_at__lte=due)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=due))
        .filter(
            Q(instance__case__attended_at__isnull=True) | Q(instance__case__attended_at__gte=due)
        )
        .values("bpmn_id")
        .annotate(n=Count("pk"))
        .values_list("bpmn_id", "n")
    )

    result = []
    for bpmn_id, step in steps.items():
        if role and step["role"] != role:
            continue
        waiting, working = _seconds(step["waiting"]), _seconds(step["working"])
        result.append(
            StepTime(
                bpmn_id=bpmn_id,
                name=step["name"],
                role=step["role"],
                count=len(step["waiting"]),
                waiting_median=waiting[0],
                waiting_p90=waiting[1],
                working_median=working[0],
                working_p90=working[1],
                total_p90=timedelta(
                    seconds=_p90(
                        [a + b for a, b in zip(step["waiting"], step["working"], strict=True)]
                    )
                ),
                breaks=breaks.get(bpmn_id, 0),
                after_clock=step["after_clock"],
            )
        )
    # The heat compares the steps on the clock: one after it (the quality call)
    # may be slow without holding any request's 24 hours; it stays uncoloured.
    slowest = max((s.total_median for s in result if not s.outside_clock), default=timedelta(0))
    if slowest:
        result = [
            StepTime(
                **{
                    **s.__dict__,
                    "heat": 0
                    if s.outside_clock
                    else min(4, int(4 * s.total_median / slowest + 0.5)),
                }
            )
            for s in result
        ]
    return sorted(result, key=lambda s: (s.outside_clock, -s.breaks, -s.total_p90))


def latest_diagram(procedure: str) -> str:
    """The diagram of the procedure's newest deployed version."""
    process_id = PROCESS_IDS.get(procedure)
    version = (
        ProcessVersion.objects.filter(process_id=process_id).order_by("-version").first()
        if process_id
        else None
    )
    return version.diagram_xml if version else ""
