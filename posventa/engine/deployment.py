"""Deploying processes: validate BPMN/DMN files and store them as an
immutable, numbered ProcessVersion.

Deployment refuses a model, with a message naming the file and element, when
its XML does not parse, a lane is not a known role, a user task has no known
form, a service task calls an unknown action, or an expression is one the
safe engine will not run or that breaks a bound seen in its text (see
expressions.py: length, nesting, literals, constant exponents) — wherever
the expression lives: conditions, timers, scripts, service parameters,
messages, loops, DMN cells. Running instances keep their version.
"""

import ast
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from posventa.engine import runtime
from posventa.engine.expressions import UnsafeExpression, check_expression, check_script
from posventa.engine.models import ProcessVersion
from posventa.engine.registry import registry

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}


class DeploymentError(Exception):
    """The model cannot be deployed; `problems` lists every reason found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Model:
    """A deployable process: its id, name, the file it lives in, and every
    file it needs (itself, the processes it calls, the decisions it uses)."""

    process_id: str
    name: str
    main_file: str
    sources: dict[str, str]


# --- reading files -----------------------------------------------------------------


def _parse_xml(name: str, xml: str):
    try:
        return etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError as err:
        raise DeploymentError(
            [f"{name}: the XML does not parse (line {err.lineno}): {err.msg}"]
        ) from err


def models_in(files: dict[str, str]) -> list[Model]:
    """Every executable process among `files` ({name: XML}), with the files it needs."""
    trees = {name: _parse_xml(name, xml) for name, xml in files.items()}
    process_file, called, decisions_used, decision_file, names = {}, {}, {}, {}, {}
    for name, tree in trees.items():
        if name.endswith(".dmn"):
            for decision in tree.xpath("//*[local-name()='decision']"):
                decision_file[decision.get("id")] = name
            continue
        for process in tree.xpath("//bpmn:process", namespaces=NS):
            pid = process.get("id")
            process_file[pid] = name
            names[pid] = process.get("name") or pid
            called[pid] = set(process.xpath(".//bpmn:callActivity/@calledElement", namespaces=NS))
            decisions_used[pid] = {
                d.text.strip()
                for d in process.xpath(
                    ".//bpmn:businessRuleTask//spiffworkflow:calledDecisionId", namespaces=NS
                )
                if d.text
            }
    found = []
    for name, tree in trees.items():
        if name.endswith(".dmn"):
            continue
        for process in tree.xpath("//bpmn:process[@isExecutable='true']", namespaces=NS):
            pid = process.get("id")
            needed, pending, seen = {name}, [pid], set()
            while pending:
                current = pending.pop()
                if current in seen:
                    continue
                seen.add(current)
                if current in process_file:
                    needed.add(process_file[current])
                needed.update(
                    decision_file[d] for d in decisions_used.get(current, ()) if d in decision_file
                )
                pending.extend(called.get(current, ()))
            found.append(Model(pid, names[pid], name, {n: files[n] for n in sorted(needed)}))
    return found


def read_directory(directory: Path) -> dict[str, str]:
    """The .bpmn and .dmn files under `directory`, by file name."""
    files = {}
    for path in sorted([*directory.rglob("*.bpmn"), *directory.rglob("*.dmn")]):
        if path.name in files:
            raise DeploymentError([f"{path.name}: two model files share this name."])
        files[path.name] = path.read_text(encoding="utf-8")
    return files


# --- validation --------------------------------------------------------------------


def _label(element) -> str:
    name = element.get("name")
    return f'"{element.get("id")}"' + (f" ({name})" if name else "")


def _owner(element):
    """The element an expression belongs to: its task, event, flow…"""
    for ancestor in element.iterancestors():
        local = etree.QName(ancestor).localname
        if ancestor.get("id") and not local.endswith(("Characteristics", "EventDefinition")):
            return ancestor
    return element


def _check(problems: list[str], where: str, text: str | None, *, script: bool = False) -> bool:
    """Add a problem when the safe engine refuses the expression (or script);
    True when it passes. The refusal says the rule it breaks (a bound, a
    forbidden name…) and shows the start of the text."""
    if text is None or not text.strip():
        return True
    try:
        (check_script if script else check_expression)(text.strip())
    except UnsafeExpression as err:
        shown = text.strip() if len(text.strip()) <= 80 else text.strip()[:80] + "…"
        problems.append(f"{where}: the expression {shown!r} is refused: {err}")
        return False
    return True


# SpiffWorkflow's DMNEngine replaces a "?" outside quotes by the input's value.
_DMN_QUESTION_MARK = re.compile(r"""(\?)(?=(?:[^'"]|['"][^'"]*['"])*$)""")


def _check_dmn_cell(problems: list[str], where: str, input_text: str, text: str | None) -> None:
    """An input cell is a unary test (`>= 1`, `"Comteco"`, `4 < ? < 6`) that
    SpiffWorkflow runs joined to its column's input expression; check what
    it will run: the cell with "?" as the input, else `(input) == (cell)`
    when the cell is an expression, else the input followed by the cell."""
    text = (text or "").strip()
    if text in ("", "-"):
        return
    text = _DMN_QUESTION_MARK.sub("dmninputexpr", text)
    if "dmninputexpr" not in text:
        try:
            ast.parse(text)
            text = f"({input_text}) == ({text})"
        except SyntaxError:
            text = f"{input_text}{text}"
    _check(problems, where, text)


def validate(model: Model) -> None:
    """Raise DeploymentError with every problem of the model, or return."""
    problems: list[str] = []
    for name, xml in model.sources.items():
        tree = _parse_xml(name, xml)
        if name.endswith(".dmn"):
            for table in tree.xpath("//*[local-name()='decisionTable']"):
                where = f"{name}: decision table {_label(table)}"
                inputs = []
                for column in table.xpath("./*[local-name()='input']"):
                    text = column.xpath(
                        "string(./*[local-name()='inputExpression']/*[local-name()='text'])"
                    ).strip()
                    ok = _check(problems, f"{where}, input {_label(column)}", text)
                    inputs.append(text if ok and text else None)
                for rule in table.xpath("./*[local-name()='rule']"):
                    entries = rule.xpath("./*[local-name()='inputEntry']")
                    for input_text, entry in zip(inputs, entries, strict=False):
                        if input_text is not None:
                            _check_dmn_cell(
                                problems,
                                f"{where}, cell {_label(entry)} of rule {_label(rule)}",
                                input_text,
                                entry.xpath("string(./*[local-name()='text'])"),
                            )
                    for entry in rule.xpath("./*[local-name()='outputEntry']"):
                        _check(
                            problems,
                            f"{where}, cell {_label(entry)} of rule {_label(rule)}",
                            entry.xpath("string(./*[local-name()='text'])"),
                        )
            continue
        for lane in tree.xpath("//bpmn:lane", namespaces=NS):
            if lane.get("name") not in registry.lanes:
                problems.append(
                    f"{name}: lane {_label(lane)} is not a known role "
                    f"(known lanes: {', '.join(sorted(registry.lanes)) or 'none'})."
                )
        for task in tree.xpath("//bpmn:userTask", namespaces=NS):
            keys = task.xpath(".//spiffworkflow:property[@name='formKey']/@value", namespaces=NS)
            if not keys:
                problems.append(f"{name}: user task {_label(task)} names no form (formKey).")
            elif keys[0] not in registry.forms:
                problems.append(
                    f"{name}: user task {_label(task)} has no known form: formKey {keys[0]!r}."
                )
        for operator in tree.xpath("//spiffworkflow:serviceTaskOperator", namespaces=NS):
            task = operator.getparent().getparent()
            if operator.get("id") not in registry.actions:
                problems.append(
                    f"{name}: service task {_label(task)} calls an unknown action "
                    f"{operator.get('id')!r}."
                )
            for parameter in operator.xpath(".//spiffworkflow:parameter", namespaces=NS):
                _check(problems, f"{name}: service task {_label(task)}", parameter.get("value"))
        for flow in tree.xpath("//bpmn:sequenceFlow[bpmn:conditionExpression]", namespaces=NS):
            condition = flow.find("bpmn:conditionExpression", NS)
            _check(problems, f"{name}: condition of flow {_label(flow)}", condition.text)
        for timer in tree.xpath(
            "//bpmn:timerEventDefinition/*[self::bpmn:timeDuration or self::bpmn:timeDate"
            " or self::bpmn:timeCycle]",
            namespaces=NS,
        ):
            event = timer.getparent().getparent()
            _check(problems, f"{name}: timer of {_label(event)}", timer.text)
        for script in tree.xpath("//bpmn:scriptTask/bpmn:script", namespaces=NS):
            _check(
                problems,
                f"{name}: script task {_label(script.getparent())}",
                script.text,
                script=True,
            )
        # Scripts any task may run before or after itself (Spiff extensions).
        for script in tree.xpath(
            "//spiffworkflow:preScript | //spiffworkflow:postScript", namespaces=NS
        ):
            kind = etree.QName(script).localname
            _check(
                problems, f"{name}: {kind} of {_label(_owner(script))}", script.text, script=True
            )
        # Loops, conditional events, signal/error/escalation payloads.
        for text in tree.xpath(
            "//bpmn:loopCardinality | //bpmn:completionCondition | //bpmn:loopCondition"
            " | //bpmn:conditionalEventDefinition/bpmn:condition"
            " | //spiffworkflow:payloadExpression",
            namespaces=NS,
        ):
            kind = etree.QName(text).localname
            _check(problems, f"{name}: {kind} of {_label(_owner(text))}", text.text)
        for text in tree.xpath(
            "//bpmn:formalExpression | //spiffworkflow:expression | //spiffworkflow:messagePayload",
            namespaces=NS,
        ):
            _check(problems, f"{name}: message expression", text.text)
    if not problems:
        try:
            runtime.parse_sources(model.sources, model.process_id)
        except ValidationException as err:
            element = f" element {err.id!r}" if getattr(err, "id", None) else ""
            problems.append(f"{err.file_name or model.main_file}:{element} {err}")
        except Exception as err:  # the parser's other complaints, e.g. a missing process
            problems.append(f"{model.main_file}: {err}")
    if problems:
        raise DeploymentError(problems)


# --- storing -----------------------------------------------------------------------


def checksum(sources: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    return digest.hexdigest()


@transaction.atomic
def deploy(model: Model) -> tuple[ProcessVersion, bool]:
    """Store the model as the process's next version, unless that exact
    content is already deployed. Returns (version, created)."""
    validate(model)
    digest = checksum(model.sources)
    existing = ProcessVersion.objects.filter(process_id=model.process_id, checksum=digest).first()
    if existing is not None:
        return existing, False
    latest = (
        ProcessVersion.objects.select_for_update()
        .filter(process_id=model.process_id)
        .order_by("-version")
        .first()
    )
    version = ProcessVersion.objects.create(
        process_id=model.process_id,
        name=model.name,
        version=(latest.version + 1) if latest else 1,
        checksum=digest,
        sources=model.sources,
        main_file=model.main_file,
    )
    return version, True


def deploy_files(files: dict[str, str]) -> list[tuple[ProcessVersion, bool]]:
    """Validate every model first, then deploy them all or none."""
    models = models_in(files)
    problems = []
    for model in models:
        try:
            validate(model)
        except DeploymentError as err:
            problems += err.problems
    if problems:
        raise DeploymentError(problems)
    with transaction.atomic():
        return [deploy(model) for model in models]


def latest_version(process_id: str) -> ProcessVersion:
    version = ProcessVersion.objects.filter(process_id=process_id).order_by("-version").first()
    if version is None:
        raise ProcessVersion.DoesNotExist(f"Process {process_id!r} is not deployed.")
    return version


def latest_version_id(process_id: str) -> int | None:
    """The newest deployed version's id, or None when the process is not
    deployed: one narrow query (the version's files stay in the database; the
    parsed model is cached per process, `runtime.specs`)."""
    return (
        ProcessVersion.objects.filter(process_id=process_id)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
