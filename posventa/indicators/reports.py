"""The monthly report of a closed month: the manual's indicator sheet as PDF,
and the case list behind it as Excel."""

from io import BytesIO

from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.cases.models import Outcome
from posventa.common.pdf import render_pdf
from posventa.indicators.definitions import (
    EFFICACY_TARGET,
    TIMELINESS_TARGET,
    Month,
    Verdict,
    percentage,
    verdict,
)

MONTHS = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]  # fmt: skip
BREAKDOWN_TITLES = {
    "procedure": "Por procedimiento",
    "executive": "Por ejecutivo(a)",
    "role": "Por rol que respondió",
    "channel": "Por canal",
}
# The team's own figures (definitions.TEAM_FIGURES), as the report names them.
TEAM_PROCEDURES = {
    "I": "I · Gestión de cobranza (mora)",
    "J": "J · Llamadas de fidelización y retención",
    "K": "K · Gestión técnico preventivo",
}
TEAM_LABELS = {
    "collections_called": "Deudores llamados",
    "collections_promised": "Deudores que se comprometieron a pagar",
    "collections_kept": "Deudores que cumplieron su compromiso",
    "collections_letters": "Cartas de información mora entregadas",
    "loyalty_calls": "Llamadas realizadas",
    "loyalty_damages": "Problemas encontrados (daño registrado: solicitud del cliente)",
    "reviews": "Productos de clientes revisados",
    "sales_offers": "Propuestas comerciales realizadas",
    "sales_accepted": "Propuestas aceptadas (pasan a venta)",
    "fiber_offers": "Ofertas de migración a fibra realizadas",
    "fiber_accepted": "Ofertas de migración a fibra aceptadas",
    "migrations": "Migraciones a fibra concluidas",
    "review_damages": "Daños encontrados (registrados: solicitud del cliente)",
}


def team_rows(close) -> list:
    """The team's own figures frozen with the month: (procedure, [(label, count)])."""
    blocks: dict[str, list] = {}
    for name, procedure, count in close.team:
        blocks.setdefault(procedure, []).append((TEAM_LABELS.get(name, name), count))
    return [(TEAM_PROCEDURES.get(code, code), rows) for code, rows in blocks.items()]


def month_label(close) -> str:
    return f"{MONTHS[close.month - 1].capitalize()} {close.year}"


def _row(label, total, effective, timely, open_) -> dict:
    return {
        "label": label or "—",
        "total": total,
        "effective": effective,
        "timely": timely,
        "open": open_,
        "efficacy": percentage(effective, total),
        "timeliness": percentage(timely, total),
    }


def _signer(role: str, preferred=None) -> User | None:
    """Who signs the report for a role: the person who closed the month if
    she holds it, else the first active person of the role."""
    if preferred is not None and preferred.role == role:
        return preferred
    return User.objects.filter(role=role, is_active=True).order_by("pk").first()


@translation.override("es")
def report_pdf(close) -> bytes:
    efficacy_verdict = verdict(close.effective, close.total, EFFICACY_TARGET)
    timeliness_verdict = verdict(close.timely, close.total, TIMELINESS_TARGET)
    labels = {Verdict.ACCEPTED: "Aceptado", Verdict.OBSERVED: "Observado"}
    return render_pdf(
        "indicators/report.html",
        {
            "close": close,
            "month_label": month_label(close),
            "efficacy": percentage(close.effective, close.total),
            "timeliness": percentage(close.timely, close.total),
            "efficacy_verdict": efficacy_verdict,
            "timeliness_verdict": timeliness_verdict,
            "efficacy_verdict_label": labels.get(efficacy_verdict, "Sin solicitudes"),
            "timeliness_verdict_label": labels.get(timeliness_verdict, "Sin solicitudes"),
            "breakdowns": [
                (BREAKDOWN_TITLES.get(name, name), [_row(*row[1:]) for row in rows])
                for name, rows in close.breakdowns.items()
            ],
            "team": team_rows(close),
            "team_lead": _signer(Role.TEAM_LEAD, close.closed_by),
            "division_head": _signer(Role.DIVISION_HEAD, close.closed_by),
        },
    )


OUTCOMES = dict(Outcome.choices)
# What the month counted, by the definition it was closed with.
COUNTED = {
    1: "todos los casos recibidos en el mes (definición anterior)",
    2: "solicitudes de los clientes recibidas en el mes; el trabajo propio del equipo, aparte",
}
CASE_COLUMNS = [
    ("Caso", 16),
    ("Cliente", 36),
    ("NIT", 13),
    ("Ejecutivo(a)", 24),
    ("Procedimiento", 30),
    ("Canal", 12),
    ("Recibida", 17),
    ("Solicitud del cliente", 17),
    ("Atendida", 17),
    ("Horas hasta la atención", 12),
    ("Espera del cliente (h)", 12),
    ("Cerrada", 17),
    ("Resultado", 22),
    ("Llamada de calidad", 14),
    ("Reiterada", 10),
    ("Eficaz", 8),
    ("Oportuna", 9),
    ("Abierta al cierre", 10),
]


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


@translation.override("es")
def report_xlsx(close) -> bytes:
    """One sheet with the figures, one with every case of the month and how it counted."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Indicadores"
    summary.append([f"Indicadores de posventa · {month_label(close)}"])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append([])
    summary.append(["Indicador", "Parte", "Total", "Resultado (%)", "Meta (%)", "Evaluación"])
    for name, part, target in (
        ("Eficacia", close.effective, EFFICACY_TARGET),
        ("Oportunidad", close.timely, TIMELINESS_TARGET),
    ):
        value = percentage(part, close.total)
        judged = verdict(part, close.total, target)
        summary.append(
            [
                name,
                part,
                close.total,
                float(value) if value is not None else None,
                float(target),
                {"accepted": "Aceptado", "observed": "Observado"}.get(judged, "Sin solicitudes"),
            ]
        )
    summary.append(["Abiertas al cierre", close.open])
    summary.append(
        [
            "Espera del cliente",
            "descontada" if close.excludes_customer_wait else "incluida en las 24 h",
        ]
    )
    summary.append(["Solicitudes contadas", COUNTED[close.definition]])
    for cell in summary[3]:
        cell.font = Font(bold=True)
    summary.column_dimensions["A"].width = 22
    if close.team:
        summary.append([])
        summary.append(["Trabajo propio del equipo (fuera de los indicadores)"])
        summary.cell(row=summary.max_row, column=1).font = Font(bold=True)
        for procedure, rows in team_rows(close):
            for label, count in rows:
                summary.append([procedure, label, count])

    sheet = workbook.create_sheet("Casos")
    sheet.append([title for title, _width in CASE_COLUMNS])
    for index, (_title, width) in enumerate(CASE_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=1, column=index).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    rows = close.cases.select_related("case__company__executive").order_by(
        "case__received_at", "case__pk"
    )
    for row in rows.iterator(chunk_size=2000):
        case = row.case
        executive = case.company.executive
        # The 24 hours ran from the customer's request (from the reception in
        # a month closed with the first definition).
        since = row.requested_at or case.received_at
        hours = (
            round((row.attended_at - since).total_seconds() / 3600, 2) if row.attended_at else None
        )
        sheet.append(
            [
                case.number,
                case.company.legal_name,
                case.company.nit,
                (executive.get_full_name() or executive.username) if executive else "",
                case.get_procedure_display(),
                case.get_channel_display(),
                _local(case.received_at),
                _local(row.requested_at),
                _local(row.attended_at),
                hours,
                round(row.customer_wait.total_seconds() / 3600, 2),
                _local(row.closed_at),
                str(OUTCOMES.get(row.outcome, row.outcome)),
                {True: "Conforme", False: "No conforme"}.get(row.quality_conform, ""),
                "Sí" if row.reiterated else "No",
                "Sí" if row.effective else "No",
                "Sí" if row.timely else "No",
                "Sí" if row.open else "No",
            ]
        )
    for column in ("G", "H", "I", "L"):
        for cell in sheet[column][1:]:
            cell.number_format = "DD/MM/YYYY HH:MM"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(close, extension: str) -> str:
    return f"indicadores-posventa-{Month(close.year, close.month)}.{extension}"
