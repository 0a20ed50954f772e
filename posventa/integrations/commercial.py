"""The commercial system (Smartflex): where the changes Posventa makes are
handed back (`integrations.handback`, delivered by `integrations.jobs.hand_back`).

Two adapters come with the product, named in the setting
`POSVENTA_COMMERCIAL_ADAPTER`:

- `Standalone` (default): Posventa's own tables are the record; delivering a
  change confirms it at once (reference "posventa"), so nothing waits.
- `Files` (and `FilesCSV`): one spreadsheet per day and kind of change in
  POSVENTA_COMMERCIAL_OUTBOUND_DIR, in the layout of the commercial system's
  import (`LAYOUTS`); the commercial system answers with confirmation files
  in POSVENTA_COMMERCIAL_CONFIRMATIONS_DIR (columns "Clave de idempotencia",
  "Estado" OK/ERROR, "Referencia", "Motivo"), each read once and moved to
  its "procesados" subfolder.

A real API replaces them with any class that has the `send` and
`read_confirmations` methods of `CommercialAdapter` (docs/commercial-system.md).
"""

import csv
import fcntl
import logging
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.module_loading import import_string

from posventa.integrations.models import ChangeKind

logger = logging.getLogger(__name__)

DEFAULT_ADAPTER = "posventa.integrations.commercial.Standalone"
STANDALONE_REFERENCE = "posventa"


@dataclass(frozen=True)
class Receipt:
    """What delivering one change gave: where it went, and whether the
    commercial system already confirmed it (with its reference). `error`
    says the delivery of this one change failed (it is tried again later)."""

    sent_to: str = ""
    confirmed: bool = False
    reference: str = ""
    error: str = ""


@dataclass(frozen=True)
class Confirmation:
    """One answer of the commercial system about one change, by its key."""

    key: str
    ok: bool
    reference: str = ""
    reason: str = ""
    at: datetime | None = None
    line: int = 0


# apply(confirmations, source): records the answers (in its own transaction).
Apply = Callable[[list[Confirmation], str], object]


class CommercialAdapter(Protocol):
    def send(self, changes: Sequence) -> list[Receipt]:
        """Deliver the changes (CommercialChange rows); one Receipt each, in
        order. Raising means none was delivered: all are tried again later."""
        ...

    def read_confirmations(self, apply: Apply) -> int:
        """Hand each batch of answers the commercial system left since the
        last call to `apply`, once; returns how many batches."""
        ...


class Standalone:
    """Posventa is the record: a change is confirmed as it is delivered."""

    def send(self, changes: Sequence) -> list[Receipt]:
        return [
            Receipt(sent_to=STANDALONE_REFERENCE, confirmed=True, reference=STANDALONE_REFERENCE)
            for _change in changes
        ]

    def read_confirmations(self, apply: Apply) -> int:
        return 0


def adapter() -> CommercialAdapter:
    """The adapter the setting names (Standalone by default)."""
    path = getattr(settings, "POSVENTA_COMMERCIAL_ADAPTER", "") or DEFAULT_ADAPTER
    return import_string(path)()


# --- The layout of the commercial system's import --------------------------------------
# The headers are the commercial system's, in its language: data, not interface
# text, so they are not translated.

DATE_HEADER = "Fecha"
CASE_HEADER = "Caso"
KEY_HEADER = "Clave de idempotencia"


@dataclass(frozen=True)
class Layout:
    """One kind of change as a sheet: its file name, its title, its columns
    (header, payload key) between the common ones."""

    slug: str
    title: str
    columns: tuple[tuple[str, str], ...]

    @property
    def headers(self) -> list[str]:
        return [
            DATE_HEADER,
            CASE_HEADER,
            "NIT",
            "Razón social",
            *(header for header, _key in self.columns),
            KEY_HEADER,
        ]

    def row(self, change) -> dict[str, str]:
        payload = change.payload or {}
        row = {
            DATE_HEADER: timezone.localtime(change.created_at).strftime("%Y-%m-%d %H:%M"),
            CASE_HEADER: cell_text(payload.get("case")),
            "NIT": cell_text(payload.get("nit")),
            "Razón social": cell_text(payload.get("company")),
            KEY_HEADER: change.idempotency_key,
        }
        for header, key in self.columns:
            row[header] = cell_text(payload.get(key))
        return row


SERVICE = ("Número de servicio", "service_number")
PLAN = ("Plan", "plan")
EFFECTIVE = ("Fecha efectiva", "effective_on")

LAYOUTS: dict[str, Layout] = {
    ChangeKind.PLAN_CHANGE: Layout(
        "cambios_de_plan",
        "Cambios de plan",
        (
            SERVICE,
            ("Plan anterior", "old_plan"),
            ("Nombre del plan anterior", "old_plan_name"),
            ("Cargo mensual anterior (Bs)", "old_monthly_price"),
            ("Plan nuevo", "new_plan"),
            ("Nombre del plan nuevo", "new_plan_name"),
            ("Cargo mensual nuevo (Bs)", "new_monthly_price"),
            EFFECTIVE,
        ),
    ),
    ChangeKind.SERVICE_ON: Layout(
        "servicios_habilitados",
        "Servicios habilitados",
        (SERVICE, PLAN, ("Servicios", "services"), ("Nombres", "service_names"), EFFECTIVE),
    ),
    ChangeKind.SERVICE_OFF: Layout(
        "servicios_deshabilitados",
        "Servicios deshabilitados",
        (SERVICE, PLAN, ("Servicios", "services"), ("Nombres", "service_names"), EFFECTIVE),
    ),
    ChangeKind.RELOCATION: Layout(
        "traslados",
        "Traslados",
        (
            SERVICE,
            PLAN,
            ("Tecnología", "technology"),
            ("Dirección anterior", "old_address"),
            ("Dirección de instalación", "address"),
            ("Zona", "zone"),
            ("Barrio", "neighbourhood"),
            EFFECTIVE,
        ),
    ),
    ChangeKind.TECHNOLOGY: Layout(
        "cambios_de_tecnologia",
        "Cambios de tecnología",
        (
            ("Número de servicio anterior", "old_service_number"),
            SERVICE,
            PLAN,
            ("Tecnología anterior", "old_technology"),
            ("Tecnología", "technology"),
            ("Dirección de instalación", "address"),
            ("Zona", "zone"),
            ("Barrio", "neighbourhood"),
            EFFECTIVE,
        ),
    ),
    ChangeKind.SUSPENSION: Layout(
        "suspensiones",
        "Suspensiones",
        (
            SERVICE,
            PLAN,
            ("Fecha de inicio", "starts_on"),
            ("Fecha de fin", "ends_on"),
            ("Fecha de reconexión", "reconnects_on"),
        ),
    ),
    ChangeKind.RECONNECTION: Layout(
        "reconexiones",
        "Reconexiones",
        (
            SERVICE,
            PLAN,
            ("Inicio de la suspensión", "starts_on"),
            ("Fin de la suspensión", "ends_on"),
            ("Fecha de reconexión", "reconnects_on"),
        ),
    ),
    ChangeKind.WITHDRAWAL: Layout(
        "retiros",
        "Retiros",
        (
            SERVICE,
            PLAN,
            ("Fecha de retiro", "withdrawn_on"),
            ("Motivo", "reason"),
            ("Factura final (Bs)", "final_invoice_amount"),
        ),
    ),
    ChangeKind.EQUIPMENT_RECEIVED: Layout(
        "equipos_recibidos",
        "Equipos recibidos",
        (
            SERVICE,
            ("Número de serie", "serial"),
            ("Equipo", "equipment"),
            ("Condición", "condition"),
            ("Partes faltantes", "missing_parts"),
            ("Fecha de devolución", "returned_on"),
            ("Observación", "note"),
        ),
    ),
    ChangeKind.CHARGE: Layout(
        "cargos",
        "Cargos",
        (
            SERVICE,
            ("Concepto", "concept"),
            ("Tarifa", "tariff"),
            ("Cantidad", "quantity"),
            ("Importe (Bs)", "amount"),
        ),
    ),
    ChangeKind.INTERACTION: Layout(
        "interacciones",
        "Interacciones",
        (
            SERVICE,
            ("Fecha y hora", "occurred_at"),
            ("Canal", "channel"),
            ("Sentido", "direction"),
            ("Tipo", "type"),
            ("Contacto", "contact"),
            ("Registrado por", "recorded_by"),
            ("Resumen", "summary"),
        ),
    ),
}

# A spreadsheet cell holds at most this many characters.
CELL_MAX = 32_767


def cell_text(value) -> str:
    """A payload value as one cell: lists joined by ", ", nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "SI" if value else "NO"
    if isinstance(value, list):
        return ", ".join(cell_text(item) for item in value)
    return str(value)[:CELL_MAX]


# --- Reading a table (the day's file again, a confirmation file) -------------------------

READABLE = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
# A confirmation file is a few thousand rows; larger is not one.
CONFIRMATION_MAX_BYTES = 20 * 1024 * 1024
CONFIRMATION_MAX_ROWS = 200_000


class TableError(ValueError):
    """A file that cannot be read as a table, with the reason in words."""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_table(
    path: Path, *, max_rows: int = CONFIRMATION_MAX_ROWS, delimiter: str = ""
) -> list[list[str]]:
    """The first sheet (or the CSV: its delimiter guessed unless given) as
    rows of text, header row first."""
    if path.suffix.lower() == ".csv":
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                if delimiter:
                    dialect = csv.excel
                else:
                    sample = handle.read(4096)
                    handle.seek(0)
                    try:
                        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
                    except csv.Error:
                        delimiter = ","
                    dialect = csv.excel
                rows = []
                for row in csv.reader(handle, dialect, delimiter=delimiter):
                    rows.append([_cell(value) for value in row])
                    if len(rows) > max_rows + 1:
                        raise TableError(f"more than {max_rows} rows")
                return rows
        except UnicodeDecodeError as error:
            raise TableError(f"not UTF-8 text: {error}") from error
        except csv.Error as error:
            raise TableError(f"not a CSV file: {error}") from error
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        if sheet.total_height > max_rows + 1:
            raise TableError(f"more than {max_rows} rows")
        return [[_cell(value) for value in row] for row in sheet.to_python(skip_empty_area=True)]
    except TableError:
        raise
    except Exception as error:  # calamine's own (CalamineError, ZipError, XmlError…), OSError
        raise TableError(f"not a spreadsheet the product reads: {error}") from error


def header_key(text: str) -> str:
    """A header as compared: case, accents and spacing aside."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def _moment(text: str) -> datetime | None:
    """A confirmation's date: a date-time or a date (local), never later than now."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        found = parse_datetime(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        found = None
    if found is None:
        try:
            day = parse_date(text[:10])
        except ValueError:
            day = None
        if day is None:
            return None
        found = datetime.combine(day, time(12, 0))
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return min(found, timezone.now())


def confirmations_in(path: Path) -> list[Confirmation]:
    """The answers a confirmation file holds, row by row. Rows without a key
    or with a state other than OK/ERROR are left out (and logged); a file
    without the key and state columns is refused (TableError)."""
    if path.stat().st_size > CONFIRMATION_MAX_BYTES:
        raise TableError(f"larger than {CONFIRMATION_MAX_BYTES // (1024 * 1024)} MB")
    rows = read_table(path)
    if not rows:
        raise TableError("empty file")
    columns = {header_key(header): index for index, header in enumerate(rows[0])}
    wanted = {
        "key": header_key(KEY_HEADER),
        "state": "estado",
        "reference": "referencia",
        "reason": "motivo",
        "at": "fecha",
    }
    missing = [name for name in ("key", "state") if wanted[name] not in columns]
    if missing:
        raise TableError('no "Clave de idempotencia" and "Estado" columns')

    def value(row, name):
        index = columns.get(wanted[name])
        return row[index].strip() if index is not None and index < len(row) else ""

    found = []
    for line, row in enumerate(rows[1:], start=2):
        key = value(row, "key")
        state = value(row, "state").upper()
        if not key and not state:
            continue
        if not key or state not in ("OK", "ERROR"):
            logger.warning("%s, row %s: no key or a state other than OK/ERROR", path.name, line)
            continue
        found.append(
            Confirmation(
                key=key[:100],
                ok=state == "OK",
                reference=value(row, "reference")[:100],
                reason=value(row, "reason")[:2000],
                at=_moment(value(row, "at")),
                line=line,
            )
        )
    return found


# --- The files adapter ---------------------------------------------------------------------

PROCESSED = "procesados"
REJECTED = "rechazados"


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """One writer at a time in the outbound folder: two workers appending to
    the same day's file would each rewrite it without the other's rows."""
    with (folder / ".posventa.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write the file under a hidden temporary name in the same folder, then
    put it in place at once (os.replace): a reader sees the old file or the
    new one, never half of one."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(temporary)
    try:
        write(temporary)
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class Files:
    """One spreadsheet per day and kind of change in the outbound folder,
    rewritten whole (atomically) as the day's changes are added; confirmations
    read from the confirmations folder."""

    suffix = ".xlsx"
    # A confirmation file modified this recently may still be being written.
    settle_seconds = 30

    def __init__(self, outbound_dir: Path | None = None, confirmations_dir: Path | None = None):
        self.outbound = Path(outbound_dir or settings.POSVENTA_COMMERCIAL_OUTBOUND_DIR)
        self.confirmations = Path(
            confirmations_dir or settings.POSVENTA_COMMERCIAL_CONFIRMATIONS_DIR
        )

    def path_for(self, kind: str, day: date) -> Path:
        return self.outbound / f"{day:%Y-%m-%d}_{LAYOUTS[kind].slug}{self.suffix}"

    def send(self, changes: Sequence) -> list[Receipt]:
        self.outbound.mkdir(parents=True, exist_ok=True)
        day = timezone.localdate()
        by_kind: dict[str, list] = {}
        for change in changes:
            by_kind.setdefault(change.kind, []).append(change)
        sent_to: dict[int, str] = {}
        with folder_lock(self.outbound):
            for kind, group in by_kind.items():
                layout = LAYOUTS[kind]
                path = self.path_for(kind, day)
                rows = self._rows_of(path, layout) if path.exists() else []
                at = {row[KEY_HEADER]: index for index, row in enumerate(rows)}
                for change in group:
                    row = layout.row(change)
                    # Sent again (its first delivery was not recorded): the
                    # file keeps one row per key, the latest.
                    if change.idempotency_key in at:
                        rows[at[change.idempotency_key]] = row
                    else:
                        at[change.idempotency_key] = len(rows)
                        rows.append(row)
                replace_atomically(path, partial(self._write, layout=layout, rows=rows))
                for change in group:
                    sent_to[change.pk] = str(path)[:250]
        return [Receipt(sent_to=sent_to[change.pk]) for change in changes]

    def _read(self, path: Path) -> list[list[str]]:
        return read_table(path, max_rows=10**7)

    def _rows_of(self, path: Path, layout: Layout) -> list[dict[str, str]]:
        table = self._read(path)
        if not table:
            return []
        headers = table[0]
        rows = []
        for values in table[1:]:
            row = {header: "" for header in layout.headers}
            row.update(dict(zip(headers, values, strict=False)))
            if row.get(KEY_HEADER):
                rows.append(row)
        return rows

    def _write(self, target: Path, layout: Layout, rows: list[dict[str, str]]) -> None:
        import xlsxwriter

        workbook = xlsxwriter.Workbook(
            str(target),
            {
                "constant_memory": True,
                # Text stays text: a summary starting with "=" is not a formula.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        sheet = workbook.add_worksheet(layout.title[:31])
        bold = workbook.add_format({"bold": True})
        headers = layout.headers
        sheet.freeze_panes(1, 0)
        for column, header in enumerate(headers):
            sheet.set_column(column, column, max(12, min(len(header) + 4, 40)))
        for column, header in enumerate(headers):
            sheet.write_string(0, column, header, bold)
        for line, row in enumerate(rows, start=1):
            for column, header in enumerate(headers):
                sheet.write_string(line, column, (row.get(header) or "")[:CELL_MAX])
        workbook.close()

    # -- the commercial system's answers --

    def read_confirmations(self, apply: Apply) -> int:
        folder = self.confirmations
        if not folder.is_dir():
            return 0
        settled_before = timezone.now().timestamp() - self.settle_seconds
        batches = 0
        for path in sorted(folder.iterdir()):
            if (
                not path.is_file()
                or path.name.startswith(".")
                or path.suffix.lower() not in READABLE
                or path.stat().st_mtime > settled_before
            ):
                continue
            try:
                found = confirmations_in(path)
            except (TableError, OSError) as error:
                logger.warning("Confirmation file %s refused: %s", path.name, error)
                self._move(path, REJECTED)
                continue
            apply(found, path.name)
            self._move(path, PROCESSED)
            batches += 1
        return batches

    def _move(self, path: Path, subfolder: str) -> Path:
        """Out of the way, once: into the subfolder, never over a file of the same name."""
        target_dir = path.parent / subfolder
        target_dir.mkdir(exist_ok=True)
        target = target_dir / path.name
        if target.exists():
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
            target = target_dir / f"{path.stem}.{stamp}{path.suffix}"
        os.replace(path, target)
        return target


FORMULA_START = ("=", "+", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """A value a spreadsheet would take for a formula ("=HYPERLINK(…)",
    "+1", "-x", "@x") gets a leading apostrophe (OWASP's advice on CSV
    injection); amounts and dates ("-" before a digit never occurs) are left as they are."""
    if text.startswith(FORMULA_START) or (text.startswith("-") and not text[1:2].isdigit()):
        return "'" + text
    return text


class FilesCSV(Files):
    """The same files as CSV (UTF-8 with BOM, ";"-separated, as a
    Spanish-language Excel opens it)."""

    suffix = ".csv"

    def _read(self, path: Path) -> list[list[str]]:
        return read_table(path, max_rows=10**7, delimiter=";")

    def _write(self, target: Path, layout: Layout, rows: list[dict[str, str]]) -> None:
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(layout.headers)
            for row in rows:
                writer.writerow([csv_safe(row.get(header) or "") for header in layout.headers])
