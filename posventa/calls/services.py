"""The customer's call detail: collected from the call-records adapter and
written as PDF and Excel, kept with the case."""

from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from posventa.calls import adapters
from posventa.calls.adapters import Call
from posventa.calls.models import CallSource
from posventa.calls.rules import month_from_key, month_label
from posventa.cases.models import CaseDocument, DocumentKind
from posventa.cases.services import document_add
from posventa.common.money import bs, format_bs
from posventa.common.pdf import render_pdf

PDF = "application/pdf"
# The documents are the customer's, in Spanish whatever the reader's language.
SOURCE_LABELS = {
    CallSource.COMTECO: "Comteco (línea fija)",
    CallSource.BOLIVIATEL: "Boliviatel (larga distancia)",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def duration_text(seconds: int) -> str:
    """1:05:09, 4:07 — how long a call or a month of calls lasted."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@dataclass
class LineMonth:
    """The calls of one line in one month."""

    service_number: str
    product_type: str
    month: str  # '2026-03'
    calls: list[Call] = field(default_factory=list)

    @property
    def month_label(self) -> str:
        return month_label(self.month)

    @property
    def total_seconds(self) -> int:
        return sum(call.duration_seconds for call in self.calls)

    @property
    def total_duration(self) -> str:
        return duration_text(self.total_seconds)

    @property
    def total_cost(self) -> Decimal:
        return bs(sum((call.cost for call in self.calls), Decimal("0")))


@dataclass
class CallDetail:
    """What the customer asked for: these lines, these months, one source."""

    company: object
    source: str
    months: list[str]
    parts: list[LineMonth]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]

    @property
    def months_label(self) -> str:
        return ", ".join(month_label(m) for m in self.months)

    @property
    def lines_label(self) -> str:
        return ", ".join(dict.fromkeys(p.service_number for p in self.parts))

    @property
    def call_count(self) -> int:
        return sum(len(p.calls) for p in self.parts)

    @property
    def total_cost(self) -> Decimal:
        return bs(sum((p.total_cost for p in self.parts), Decimal("0")))

    @property
    def total_duration(self) -> str:
        return duration_text(sum(p.total_seconds for p in self.parts))

    def summary(self) -> str:
        return (
            f"Detalle de llamadas salientes {self.source_label}: líneas {self.lines_label}; "
            f"meses {self.months_label}; {self.call_count} llamadas, {format_bs(self.total_cost)}"
        )


def call_detail_collect(*, products, source: str, months: list[str]) -> CallDetail:
    """Ask the call-records adapter for each line and month (the manual's
    "Consultas" / POYOLOG query)."""
    products = list(products)
    months = sorted(set(months))
    parts = [
        LineMonth(
            service_number=product.service_number,
            product_type=product.plan.product_type.name,
            month=key,
            calls=adapters.calls(
                service_number=product.service_number, source=source, month=month_from_key(key)
            ),
        )
        for product in products
        for key in months
    ]
    company = products[0].company if products else None
    return CallDetail(company=company, source=source, months=months, parts=parts)


def call_detail_pdf(detail: CallDetail, *, case=None) -> bytes:
    """The detail as the customer reads it: a table per line and month."""
    return render_pdf(
        "calls/call_detail.html",
        {
            "detail": detail,
            "case": case,
            "company": detail.company,
            "printed_at": timezone.localtime(),
        },
    )


COLUMNS = [
    ("Línea", 14),
    ("Mes", 9),
    ("Fecha y hora", 18),
    ("Número llamado", 16),
    ("Destino", 28),
    ("Duración (s)", 12),
    ("Duración", 10),
    ("Costo (Bs)", 11),
    ("Origen", 12),
]


def call_detail_xlsx(detail: CallDetail, *, case=None) -> bytes:
    """The detail as a spreadsheet: one row per call (sheet "Llamadas") and
    one per line and month (sheet "Resumen")."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Llamadas"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF3F8")
    sheet.append(
        [
            f"Detalle de llamadas salientes {detail.source_label}"
            + (f" · {case.number}" if case else "")
        ]
    )
    sheet.append([f"{detail.company.legal_name} · NIT {detail.company.nit}"])
    sheet.append([f"Meses: {detail.months_label}"])
    sheet.append([])
    sheet.append([name for name, _width in COLUMNS])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font, cell.fill = bold, fill
    for index, (_name, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    source_label = detail.source_label
    for part in detail.parts:
        for call in part.calls:
            sheet.append(
                [
                    part.service_number,
                    part.month_label,
                    timezone.localtime(call.started_at).replace(tzinfo=None),
                    call.called_number,
                    call.destination,
                    call.duration_seconds,
                    duration_text(call.duration_seconds),
                    bs(call.cost),
                    source_label,
                ]
            )
            row = sheet.max_row
            sheet.cell(row, 3).number_format = "DD/MM/YYYY HH:MM:SS"
            sheet.cell(row, 8).number_format = "#,##0.00"
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    if sheet.max_row > header_row:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(COLUMNS))}{sheet.max_row}"

    summary = book.create_sheet("Resumen")
    summary.append(["Línea", "Mes", "Llamadas", "Duración (s)", "Costo (Bs)"])
    for cell in summary[1]:
        cell.font, cell.fill = bold, fill
    for part in detail.parts:
        summary.append(
            [
                part.service_number,
                part.month_label,
                len(part.calls),
                part.total_seconds,
                part.total_cost,
            ]
        )
        summary.cell(summary.max_row, 5).number_format = "#,##0.00"
    summary.append(
        [
            "Total",
            "",
            detail.call_count,
            sum(p.total_seconds for p in detail.parts),
            detail.total_cost,
        ]
    )
    for cell in summary[summary.max_row]:
        cell.font = bold
    summary.cell(summary.max_row, 5).number_format = "#,##0.00"
    for letter, width in zip("ABCDE", (14, 9, 10, 13, 12), strict=True):
        summary.column_dimensions[letter].width = width

    out = BytesIO()
    book.save(out)
    return out.getvalue()


def file_stem(detail: CallDetail, case) -> str:
    return f"detalle-de-llamadas-{detail.source}-{case.number}"


@transaction.atomic
def call_detail_documents(
    *, case, products, source: str, months: list[str], user=None
) -> tuple[CallDetail, list[CaseDocument]]:
    """Produce the detail (PDF and Excel) and keep both with the case."""
    detail = call_detail_collect(products=products, source=source, months=months)
    stem = file_stem(detail, case)
    title = f"Detalle de llamadas {detail.source_label} · {detail.months_label}"
    documents = [
        document_add(
            case=case,
            kind=DocumentKind.CALL_DETAIL,
            file=ContentFile(call_detail_pdf(detail, case=case), name=f"{stem}.pdf"),
            title=f"{title} (PDF)"[:200],
            user=user,
            generated=True,
        ),
        document_add(
            case=case,
            kind=DocumentKind.CALL_DETAIL,
            file=ContentFile(call_detail_xlsx(detail, case=case), name=f"{stem}.xlsx"),
            title=f"{title} (Excel)"[:200],
            user=user,
            generated=True,
        ),
    ]
    return detail, documents
