"""What every kind of record shares: its fields (how a cell is read, whether
the file must have the column), a row in flight through a batch, the
outcome of each row, and the audit entries of what a batch writes."""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.translation import gettext as _

from posventa.imports.models import RowOutcome

# How an empty cell of a column the file has is read:
REQUIRED = "required"  # refused: the row must say it
BLANK = "blank"  # the field is emptied ("" / no date / No)
KEEP = "keep"  # the field keeps what is stored (a new row gets the default)


@dataclass(frozen=True)
class Field:
    """A field of a kind of record, as a file gives it."""

    name: str
    label: Any  # lazy Spanish label (the model field's verbose name, or its own)
    parse: Callable[[Any], Any]
    # The file must have a column for it (the key, and what a new row needs).
    required: bool = False
    # What an empty cell means (REQUIRED, BLANK or KEEP).
    empty: str = BLANK
    # The value an emptied field takes (BLANK).
    empty_value: Any = ""


class Row:
    """One row of the file on its way through a batch: its cells, the values
    read from them, and what became of it."""

    __slots__ = ("cells", "errors", "key", "key_text", "line", "outcome", "reason", "values")

    def __init__(self, line: int, cells: list):
        self.line = line
        self.cells = cells
        self.values: dict[str, Any] = {}
        self.errors: list[str] = []
        self.outcome = ""
        self.reason = ""
        self.key: Hashable | None = None
        self.key_text = ""

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    def done(self, outcome: str, reason: str = "") -> None:
        self.outcome = outcome
        self.reason = reason


class Spec:
    """A kind of record the commercial system exports: its fields, its
    natural key, and how a batch of its rows is checked and written.

    Subclasses set `entity`, `model`, `fields` and `key`, and implement
    `process`: look up what the batch refers to (one query per lookup), say
    for each row not yet refused whether it creates, updates, leaves as it
    is or is refused and why, and — when the phase writes — write the batch
    with bulk operations and record each change in the audit trail."""

    entity: str
    model: type[models.Model]
    fields: tuple[Field, ...]
    key: tuple[str, ...]

    def field(self, name: str) -> Field:
        return self._fields_by_name[name]

    @property
    def _fields_by_name(self) -> dict[str, Field]:
        found = self.__dict__.get("_by_name")
        if found is None:
            found = self.__dict__["_by_name"] = {f.name: f for f in self.fields}
        return found

    def key_value(self, values: dict) -> Hashable:
        """The natural key as compared (a tuple, or a single value)."""
        return values[self.key[0]] if len(self.key) == 1 else tuple(values[k] for k in self.key)

    def key_text(self, values: dict) -> str:
        return " · ".join(str(values.get(name, "")) for name in self.key)[:100]

    def start(self, phase) -> None:
        """Per phase: load the small tables the rows refer to (plans, executives…)."""

    def process(self, rows: list[Row], phase) -> None:
        raise NotImplementedError


def verbose(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def changed_text(model: type[models.Model], changes: Iterable[str]) -> str:
    """ "Changed: address, zone" — the fields as the forms name them."""
    names = [verbose(model, name) for name in changes]
    return _("Changed: %(fields)s.") % {"fields": ", ".join(names)}


def diff(obj: models.Model, target: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{field name: (stored, new)} for each field of `target` (by attname,
    "company_id") whose value differs from what `obj` holds."""
    changes = {}
    for attname, value in target.items():
        old = getattr(obj, attname)
        if old != value:
            changes[attname] = (old, value)
    return changes


def apply_changes(obj: models.Model, changes: dict[str, tuple[Any, Any]]) -> None:
    for attname, (_old, new) in changes.items():
        setattr(obj, attname, new)


def count(rows: list[Row]) -> dict[str, int]:
    found = {outcome: 0 for outcome in RowOutcome.values}
    for row in rows:
        found[row.outcome] += 1
    return found


# --- The audit trail of an import ----------------------------------------------------------------


def _as_text(value) -> str:
    """A value as auditlog writes it in an entry's changes."""
    if isinstance(value, models.Model):
        value = value.pk
    return smart_str(value)


class AuditTrail:
    """The audit entries of what a phase writes, created in bulk per batch:
    the same rows django-auditlog writes on save (content type, the object,
    create/update/delete, {field: [old, new]} as text), with the person who
    confirmed the import as actor (none for the sync folder), the import and
    the file in `additional_data`, and "import-<id>" as correlation id, so
    the audit log lists one import's changes with one click."""

    def __init__(self, run, actor=None):
        self.actor = actor
        self.cid = f"import-{run.pk}"
        self.additional = {"import": run.pk, "file": run.original_name}
        self.entries: list[LogEntry] = []

    def _excluded(self, model) -> set[str]:
        if not auditlog.contains(model):
            return set()
        return set(auditlog.get_model_fields(model)["exclude_fields"])

    def _entry(self, obj, action, changes) -> LogEntry:
        return LogEntry(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_pk=smart_str(obj.pk),
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=smart_str(obj),
            action=action,
            changes=changes,
            actor=self.actor,
            actor_email=getattr(self.actor, "email", None) or None,
            cid=self.cid,
            additional_data=self.additional,
            timestamp=timezone.now(),
        )

    def created(self, obj, extra: dict[str, tuple[Any, Any]] | None = None) -> None:
        excluded = self._excluded(type(obj))
        changes = {}
        for model_field in obj._meta.concrete_fields:
            if model_field.name in excluded:
                continue
            value = getattr(obj, model_field.attname)
            if value is not None:
                changes[model_field.name] = ["None", _as_text(value)]
        for name, (old, new) in (extra or {}).items():
            changes[name] = [_as_text(old), _as_text(new)]
        self.entries.append(self._entry(obj, LogEntry.Action.CREATE, changes))

    def updated(self, obj, changes: dict[str, tuple[Any, Any]]) -> None:
        """`changes` by attname ("company_id") or name; written by name."""
        excluded = self._excluded(type(obj))
        by_attname = {f.attname: f.name for f in obj._meta.concrete_fields}
        written = {}
        for name, (old, new) in changes.items():
            name = by_attname.get(name, name)
            if name not in excluded:
                written[name] = [_as_text(old), _as_text(new)]
        if written:
            self.entries.append(self._entry(obj, LogEntry.Action.UPDATE, written))

    def deleted(self, obj) -> None:
        excluded = self._excluded(type(obj))
        changes = {
            f.name: [_as_text(getattr(obj, f.attname)), "None"]
            for f in obj._meta.concrete_fields
            if f.name not in excluded and getattr(obj, f.attname) is not None
        }
        self.entries.append(self._entry(obj, LogEntry.Action.DELETE, changes))

    def flush(self) -> int:
        written = len(self.entries)
        if self.entries:
            LogEntry.objects.bulk_create(self.entries, batch_size=500)
            self.entries = []
        return written


# --- Choices by code, English or Spanish label, or a usual synonym -------------------------------


def options(choices: type[models.TextChoices], extra: dict[str, Iterable[str]]) -> dict[str, str]:
    """{folded spelling: stored value} for a TextChoices: its codes, its
    labels in English and in Spanish, and the synonyms in `extra`."""
    from django.utils import translation

    from posventa.imports.values import fold

    found: dict[str, str] = {}
    for value, label in choices.choices:
        found[fold(value)] = value
        found[fold(str(label))] = value
        with translation.override("es"):
            found[fold(str(label))] = value
    for value, words in extra.items():
        for word in words:
            found[fold(word)] = value
    return found


def choice_of(choices: type[models.TextChoices], extra: dict[str, Iterable[str]], hint: str):
    """A parser for one of `choices`; its spellings are gathered on first use
    (the Spanish labels need the translations loaded)."""
    from posventa.imports.values import Invalid, fold

    known: dict[str, str] = {}

    def parse(value) -> str:
        if not known:
            known.update(options(choices, extra))
        try:
            return known[fold(value)]
        except KeyError:
            raise Invalid(_("it is not one of: %(options)s.") % {"options": hint}) from None

    return parse


# --- A phase as the kinds of record see it -------------------------------------------------------


class Phase:
    """The dry run or the import of one file, as a batch sees it: whether it
    writes, where each field's column is, the audit trail, and `memo` — what
    earlier rows of the file decided that the database does not show yet
    (in the dry run nothing is written, so a later batch must be told)."""

    def __init__(self, *, run, spec: Spec, apply: bool, columns: dict[str, int], headers, actor):
        self.run = run
        self.spec = spec
        self.apply = apply
        self.columns = columns
        self.header_of = {name: headers[index] for name, index in columns.items()}
        # (field, column index) of each field the file has, in the entity's order.
        self.fields = [(f, columns[f.name]) for f in spec.fields if f.name in columns]
        self.audit = AuditTrail(run, actor)
        self.memo: dict[str, Any] = {}
        self.today = timezone.localdate()

    def lock(self, queryset):
        """Rows the batch will write, locked while it does (PostgreSQL); the
        dry run only reads."""
        return queryset.select_for_update(of=("self",)) if self.apply else queryset

    def column(self, name: str) -> str:
        return self.header_of.get(name) or str(self.spec.field(name).label)

    def problem(self, row: Row, name: str, text: str) -> None:
        """Refuse `row` because of field `name`: the column as the file
        names it, the value as written, and what is wrong with it."""
        from posventa.imports.values import clean_text

        index = self.columns.get(name)
        cell = row.cells[index] if index is not None and index < len(row.cells) else ""
        value = clean_text(cell)
        if len(value) > 60:
            value = f"{value[:57]}…"
        if value:
            row.errors.append(
                _("%(column)s “%(value)s”: %(problem)s")
                % {"column": self.column(name), "value": value, "problem": text}
            )
        else:
            row.errors.append(
                _("%(column)s: %(problem)s") % {"column": self.column(name), "problem": text}
            )


def write(phase: Phase, model, creates: list, updates: list[tuple[Any, dict]]) -> None:
    """Write a batch's new and changed rows of `model` in bulk, each with
    its audit entry. Nothing in the dry run."""
    if not phase.apply:
        return
    if creates:
        model.objects.bulk_create(creates, batch_size=500)
        for obj in creates:
            phase.audit.created(obj)
    if updates:
        now = timezone.now()
        names: set[str] = set()
        for obj, changes in updates:
            names.update(changes)
            obj.updated_at = now
        # Only the table's own columns (an entry may also say how a
        # many-to-many changed: equipment's missing parts).
        columns = {f.name for f in model._meta.concrete_fields} | {
            f.attname for f in model._meta.concrete_fields
        }
        model.objects.bulk_update(
            [obj for obj, _changes in updates],
            [*sorted(names & columns), "updated_at"],
            batch_size=500,
        )
        for obj, changes in updates:
            phase.audit.updated(obj, changes)
