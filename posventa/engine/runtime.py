"""SpiffWorkflow behind a small interface: parse, start, load, save, inspect.

Everything that knows SpiffWorkflow's API lives here (with expressions.py), so
the rest of the engine app talks about versions, instances and tasks.

Instances are stored as SpiffWorkflow's JSON *without* the process
definition: a reference to the ProcessVersion stands in its place
(`spec_ref`), and the definition is parsed once per worker from that
version's files and cached. That keeps every instance on the version it
started with, makes each row a third of the size and a step twice as fast.
"""

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from posventa.engine.expressions import HostScriptEngine, SafeEnvironment

TIMER_EVENT_TYPES = (
    "DurationTimerEventDefinition",
    "TimeDateEventDefinition",
    "CycleTimerEventDefinition",
)


# --- parsing -----------------------------------------------------------------


def new_parser() -> SpiffBpmnParser:
    return SpiffBpmnParser()


def parse_sources(sources: dict[str, str], process_id: str):
    """(spec, subprocess specs) of `process_id` from the files of a version:
    {file name: XML}; .dmn files are decision tables, the rest BPMN."""
    parser = new_parser()
    for name, xml in sorted(sources.items()):
        data = xml.encode("utf-8")
        if name.endswith(".dmn"):
            parser.add_dmn_str(data, filename=name)
        else:
            parser.add_bpmn_str(data, filename=name)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


# --- the script engine ---------------------------------------------------------

SCRIPT_ENGINE_SERVICES: dict = {}
"""Service-task actions by operation name, filled by engine.registry."""


@functools.cache
def script_engine() -> HostScriptEngine:
    return HostScriptEngine(environment=SafeEnvironment(services=SCRIPT_ENGINE_SERVICES))


# --- specs by reference ----------------------------------------------------------


class SpecCache:
    """Parsed specs by ProcessVersion id, built on first use in each worker."""

    def __init__(self):
        self._by_version: dict[int, tuple] = {}
        self._version_of_spec: dict[int, int] = {}

    def get(self, version_id: int):
        if version_id not in self._by_version:
            from posventa.engine.models import ProcessVersion

            version = ProcessVersion.objects.get(pk=version_id)
            self.put(version_id, parse_sources(version.sources, version.process_id))
        return self._by_version[version_id]

    def put(self, version_id: int, parsed):
        self._by_version[version_id] = parsed
        self._version_of_spec[id(parsed[0])] = version_id
        return parsed

    def version_of(self, spec) -> int:
        return self._version_of_spec[id(spec)]

    def clear(self):
        self._by_version.clear()
        self._version_of_spec.clear()


specs = SpecCache()


class SpecRefWorkflowConverter(BpmnWorkflowConverter):
    """Stores instance state and a reference to its version instead of the spec."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec_ref"] = specs.version_of(workflow.spec)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        _parents_first(dct)
        for subprocess in dct.get("subprocesses", {}).values():
            _parents_first(subprocess)
        spec, subprocess_specs = specs.get(dct.pop("spec_ref"))
        workflow = self.target_class(
            spec, subprocess_specs, script_engine=script_engine(), deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _parents_first(dct: dict) -> None:
    """Put the serialized tasks in tree order, parents before children.

    SpiffWorkflow 3.2.0 stores a task's data as a delta on its parent's and
    restores it only if the parent was restored first; otherwise the task's
    data is silently lost. PostgreSQL's jsonb does not keep key order, so the
    order has to be rebuilt from the tree.
    """
    tasks = dct["tasks"]
    ordered, pending = {}, [dct["root"]]
    while pending:
        task_id = pending.pop(0)
        if task_id in tasks and task_id not in ordered:
            ordered[task_id] = tasks[task_id]
            pending.extend(tasks[task_id]["children"])
    ordered.update((k, v) for k, v in tasks.items() if k not in ordered)
    dct["tasks"] = ordered


@functools.cache
def serializer() -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    # Form data carries dates and amounts; datetime, timedelta and UUID are built in.
    registry.register(
        date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"])
    )
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    SpecRefWorkflowConverter(BpmnWorkflow, registry)  # registers itself for BpmnWorkflow
    return BpmnWorkflowSerializer(registry)


def dump(workflow: BpmnWorkflow) -> str:
    """The workflow's state as JSON text (spec by reference)."""
    return serializer().serialize_json(workflow)


def load(state: str) -> BpmnWorkflow:
    """The workflow back from its JSON text, with the safe engine attached."""
    return serializer().deserialize_json(state)


def start(version_id: int, data: dict) -> BpmnWorkflow:
    """A new workflow of this version, with `data` on its start task, run until it waits."""
    spec, subprocess_specs = specs.get(version_id)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine())
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    workflow.do_engine_steps()
    return workflow


def advance(workflow: BpmnWorkflow) -> None:
    """Fire what is due and run until the workflow waits again. A single
    do_engine_steps() only marks a due timer; refresh_timers() then fires it."""
    workflow.refresh_timers()
    workflow.do_engine_steps()


# --- inspection ------------------------------------------------------------------


@dataclass(frozen=True)
class TaskInfo:
    """What the host needs to know of a task, without SpiffWorkflow types."""

    id: UUID
    bpmn_id: str
    name: str
    lane: str | None
    kind: str
    properties: dict = field(default_factory=dict)
    instructions: str = ""
    documentation: str = ""


def describe(task) -> TaskInfo:
    spec = task.task_spec
    extensions = getattr(spec, "extensions", None) or {}
    return TaskInfo(
        id=task.id,
        bpmn_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        lane=effective_lane(task),
        kind=type(spec).__name__,
        properties=dict(extensions.get("properties", {})),
        instructions=extensions.get("instructionsForEndUser") or "",
        documentation=getattr(spec, "documentation", None) or "",
    )


def effective_lane(task) -> str | None:
    """A task's lane; inside a called process without lanes, the lane of the
    call activity that runs it."""
    while task is not None:
        lane = getattr(task.task_spec, "lane", None)
        if lane:
            return lane
        parent_task_id = getattr(task.workflow, "parent_task_id", None)
        if parent_task_id is None:
            return None
        task = task.workflow.top_workflow.get_task_from_id(parent_task_id)
    return None


def ready_user_tasks(workflow: BpmnWorkflow) -> list:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def find_task(workflow: BpmnWorkflow, task_id: UUID):
    return workflow.get_task_from_id(task_id)


def next_timer_due(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest due time (aware, UTC) of the workflow's waiting timers."""
    dues = []
    for event in workflow.waiting_events():
        if event.event_type in TIMER_EVENT_TYPES and isinstance(event.value, str):
            if event.event_type == "TimeDateEventDefinition":
                dues.append(TimerEventDefinition.parse_time_or_duration(event.value))
            else:
                dues.append(TimerEventDefinition.get_datetime(event.value))
    # An event-based gateway waits as one task; its timer's due time sits in
    # the task's internal data.
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        value = task.internal_data.get("event_value")
        if isinstance(definition, MultipleEventDefinition) and isinstance(value, str):
            dues.append(TimerEventDefinition.get_datetime(value))
    return min(dues) if dues else None


def waiting_messages(workflow: BpmnWorkflow, name: str | None = None) -> list[tuple]:
    """(task, message definition) for every waiting message catch, including
    those behind an event-based gateway."""
    found = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        definitions = (
            definition.event_definitions
            if isinstance(definition, MultipleEventDefinition)
            else [definition]
        )
        found += [
            (task, d)
            for d in definitions
            if isinstance(d, MessageEventDefinition) and name in (None, d.name)
        ]
    return found


def correlation_values(workflow: BpmnWorkflow) -> dict:
    """The workflow's correlation keys as set so far ({key: {property: value}})."""
    return dict(workflow.correlations)
