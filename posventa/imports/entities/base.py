"""What every kind of record shares: its fields (how a cell is read, whether
the file must have the column), a row in flight through a batch, the
outcome of each row, and the audit entries of what a batch writes."""

import json
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
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
    """A value as auditlog writes it in an entry's changes (smart_str; a
    related row by its id)."""
    kind = type(value)
    if kind is str:
        return value
    if kind in _STR_TYPES:
        return str(value)
    if isinstance(value, models.Model):
        value = value.pk
    return smart_str(value)


_STR_TYPES = {int, bool, Decimal, date, type(None)}


class AuditTrail:
    """The audit entries of what a phase writes, inserted in bulk per batch:
    the rows django-auditlog writes on save (content type, the object,
    create/update/delete, {field: [old, new]} as text), with the person who
    confirmed the import as actor (none for the sync folder), the import and
    the file in `additional_data`, and "import-<id>" as correlation id, so
    the audit log lists one import's changes with one click.

    One INSERT statement run for the whole batch (executemany), its values
    prepared by the LogEntry fields themselves: building a LogEntry object
    per row and letting bulk_create compile each value cost more than the
    rest of an import of invoices (bench/import.py)."""

    def __init__(self, run, actor=None):
        self.actor = actor
        self.cid = f"import-{run.pk}"
        self.additional = {"import": run.pk, "file": run.original_name}
        self.entries: list[tuple] = []
        self._models: dict[type, tuple[int, set[str], list[tuple[str, str]]]] = {}

    def _model(self, model) -> tuple[int, set[str], list[tuple[str, str]]]:
        """(content type id, excluded field names, [(name, attname)] of the
        fields an entry lists), once per model."""
        found = self._models.get(model)
        if found is None:
            excluded = (
                set(auditlog.get_model_fields(model)["exclude_fields"])
                if auditlog.contains(model)
                else set()
            )
            fields = [
                (f.name, f.attname) for f in model._meta.concrete_fields if f.name not in excluded
            ]
            found = (ContentType.objects.get_for_model(model).pk, excluded, fields)
            self._models[model] = found
        return found

    def _excluded(self, model) -> set[str]:
        return self._model(model)[1]

    def _entry(self, obj, action, changes, text=None) -> None:
        pk = obj.pk
        self.entries.append(
            (
                self._model(type(obj))[0],
                str(pk),
                pk if isinstance(pk, int) else None,
                text(obj) if text else smart_str(obj),
                action,
                changes,
            )
        )

    def created(self, obj, extra: dict[str, tuple[Any, Any]] | None = None, text=None) -> None:
        """`text(obj)`: the object's name, when str() would query its relations."""
        changes = {}
        values = obj.__dict__
        for name, attname in self._model(type(obj))[2]:
            value = values.get(attname)
            if value is not None:
                changes[name] = ["None", _as_text(value)]
        for name, (old, new) in (extra or {}).items():
            changes[name] = [_as_text(old), _as_text(new)]
        self._entry(obj, LogEntry.Action.CREATE, changes, text)

    def updated(self, obj, changes: dict[str, tuple[Any, Any]], text=None) -> None:
        """`changes` by attname ("company_id") or name; written by name."""
        excluded = self._excluded(type(obj))
        by_attname = {f.attname: f.name for f in obj._meta.concrete_fields}
        written = {}
        for name, (old, new) in changes.items():
            name = by_attname.get(name, name)
            if name not in excluded:
                written[name] = [_as_text(old), _as_text(new)]
        if written:
            self._entry(obj, LogEntry.Action.UPDATE, written, text)

    def deleted(self, obj) -> None:
        excluded = self._excluded(type(obj))
        changes = {
            f.name: [_as_text(getattr(obj, f.attname)), "None"]
            for f in obj._meta.concrete_fields
            if f.name not in excluded and getattr(obj, f.attname) is not None
        }
        self._entry(obj, LogEntry.Action.DELETE, changes)

    def flush(self) -> int:
        """Insert the batch's entries (inside the batch's transaction)."""
        written = len(self.entries)
        if not written:
            return 0
        from django.db import connection

        meta = LogEntry._meta
        field = meta.get_field
        columns = [
            "content_type",
            "object_pk",
            "object_id",
            "object_repr",
            "action",
            "changes",
            "changes_text",
            "actor",
            "actor_email",
            "cid",
            "timestamp",
            "additional_data",
        ]
        stamp = timezone.now()
        constant = [
            "",
            getattr(self.actor, "pk", None),
            getattr(self.actor, "email", None) or None,
            self.cid,
            stamp
            if connection.vendor == "postgresql"
            else field("timestamp").get_db_prep_save(stamp, connection),
            json.dumps(self.additional),
        ]
        rows = [
            (ct, pk_text, pk, text, action, json.dumps(changes), *constant)
            for ct, pk_text, pk, text, action, changes in self.entries
        ]
        insert_rows(meta.db_table, [field(name).column for name in columns], rows)
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


# --- Stored rows as plain values ---------------------------------------------------------------


class Stored(SimpleNamespace):
    """A stored row as plain values (`QuerySet.values()`), for a kind of
    record with many rows: building a model object for each row that turns
    out unchanged cost a fifth of a second load (bench/import.py). `model`
    makes the object of a row that is to be written."""

    @property
    def pk(self):
        return self.id

    def model(self, model):
        names = {f.attname for f in model._meta.concrete_fields}
        obj = model(**{name: value for name, value in vars(self).items() if name in names})
        obj._state.adding = False
        obj._state.db = "default"
        for name, value in vars(self).items():
            if name not in names:
                setattr(obj, name, value)  # an annotation (product_number…)
        return obj


# --- Looking a batch up ---------------------------------------------------------------------------


class _AnyOf(models.Lookup):
    """`column = ANY(%s)`: a batch's 2 000 keys as one array parameter.
    Written as IN (%s, %s, …), the query is a new text of 2 000
    placeholders, which psycopg parses again every time (bench/import.py)."""

    lookup_name = "posventa_any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]


def among(name: str, values) -> "models.Q | models.Lookup":
    """A filter: field `name` is one of `values` (one query per batch)."""
    from django.db import connection

    values = list(values)
    if connection.vendor == "postgresql" and values:
        return _AnyOf(models.F(name), values)
    return models.Q(**{f"{name}__in": values})


# --- Writing a batch ------------------------------------------------------------------------------
#
# bulk_create and bulk_update compile every value of every row through the
# model's fields; for a batch of simple values (text, numbers, dates, ids)
# that compiling cost more than the database's work (bench/import.py: an
# import of invoices ran at 2 000 rows/s with them, over 5 000 without). The
# drivers adapt these values themselves (Django registers the adapters for
# Decimal and date on SQLite); anything else still goes through its field.

_PLAIN = (str, int, bool, Decimal, date, type(None))
INSERT_CHUNK = 500


def _column_value(field, value, connection):
    if type(value) in _PLAIN and not isinstance(value, datetime):
        return value
    return field.get_db_prep_save(value, connection)


def insert_rows(table: str, columns: list[str], rows: list) -> None:
    """Rows of plain values into `table`: PostgreSQL's COPY, else one INSERT
    run for every row (executemany). Nothing comes back."""
    from django.db import connection

    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)


def _new_ids(model, count: int) -> list[int]:
    """`count` ids from the table's own sequence (PostgreSQL), for rows
    copied in with their id."""
    from django.db import connection

    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def insert_many(model, objs: list) -> None:
    """bulk_create for a batch of rows of simple values; each object gets
    its primary key, and its created/updated stamps (one moment for the
    batch). PostgreSQL: ids from the sequence, then COPY; SQLite: one
    INSERT … RETURNING per INSERT_CHUNK rows."""
    from django.db import connection

    if not objs:
        return
    now = timezone.now()
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    for obj in objs:
        for name in ("created_at", "updated_at"):
            if hasattr(obj, name):
                setattr(obj, name, now)
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    row_sql = "({})".format(", ".join(["%s"] * len(fields)))
    returning = f" RETURNING {quote(meta.pk.column)}"
    stamp = (
        meta.get_field("created_at").get_db_prep_save(now, connection)
        if any(f.name in ("created_at", "updated_at") for f in fields)
        else None
    )
    stamped = {"created_at", "updated_at"}
    if connection.vendor == "postgresql":
        # COPY, with ids taken from the sequence first: the fastest way in.
        for obj, pk in zip(objs, _new_ids(model, len(objs)), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
        columns = [meta.pk, *fields]
        insert_rows(
            meta.db_table,
            [f.column for f in columns],
            [
                [
                    stamp
                    if f.name in stamped
                    else _column_value(f, getattr(obj, f.attname), connection)
                    for f in columns
                ]
                for obj in objs
            ],
        )
        return
    with connection.cursor() as cursor:
        for start in range(0, len(objs), INSERT_CHUNK):
            chunk = objs[start : start + INSERT_CHUNK]
            params = [
                stamp
                if f.name in stamped
                else _column_value(f, getattr(obj, f.attname), connection)
                for obj in chunk
                for f in fields
            ]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + returning, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


def update_many(model, objs: list, names) -> None:
    """bulk_update of `names` (and updated_at, one moment for the batch):
    one UPDATE … WHERE id = %s run for every object (executemany)."""
    from django.db import connection

    if not objs:
        return
    now = timezone.now()
    meta = model._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    by_name |= {f.attname: f for f in meta.concrete_fields}
    fields = list(dict.fromkeys(by_name[name] for name in names if name in by_name))
    if hasattr(objs[0], "updated_at"):
        fields = [f for f in fields if f.name != "updated_at"] + [meta.get_field("updated_at")]
        for obj in objs:
            obj.updated_at = now
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(meta.pk.column),
    )
    stamp = meta.get_field("updated_at").get_db_prep_save(now, connection)
    rows = [
        [
            *(
                stamp
                if f.name == "updated_at"
                else _column_value(f, getattr(obj, f.attname), connection)
                for f in fields
            ),
            obj.pk,
        ]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def write(phase: Phase, model, creates: list, updates: list[tuple[Any, dict]], text=None) -> None:
    """Write a batch's new and changed rows of `model`, each with its audit
    entry (`text(obj)` names an object whose str() would query). Nothing in
    the dry run."""
    if not phase.apply:
        return
    if creates:
        insert_many(model, creates)
        for obj in creates:
            phase.audit.created(obj, text=text)
    if updates:
        names: set[str] = set()
        for _obj, changes in updates:
            names.update(changes)
        # Only the table's own columns (an entry may also say how a
        # many-to-many changed: equipment's missing parts).
        update_many(model, [obj for obj, _changes in updates], sorted(names))
        for obj, changes in updates:
            phase.audit.updated(obj, changes, text)
