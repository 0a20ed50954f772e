"""`manage.py demo`: load the demo portfolio and print one login per role.

`make run` calls it with `--quiet` and shows its output to the newcomer.
"""

import time
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone, translation

from posventa.demo import data
from posventa.demo.calendars import load_portfolio_work
from posventa.demo.calls import load_call_records
from posventa.demo.cases import load_cases
from posventa.demo.channels import load_channels
from posventa.demo.coverage import load_coverage
from posventa.demo.history import load_history
from posventa.demo.loader import load_demo

ADDRESS = "http://127.0.0.1:8000/"

# What was added, in the order it is reported.
LABELS = [
    ("users", "usuarios"),
    ("plans", "planes"),
    ("companies", "empresas"),
    ("contacts", "contactos"),
    ("products", "productos"),
    ("equipment", "equipos"),
    ("supplementary_services", "servicios suplementarios"),
    ("suspensions", "suspensiones"),
    ("withdrawals", "retiros"),
    ("charges", "cargos"),
    ("invoices", "facturas"),
    ("payments", "pagos"),
    ("interactions", "interacciones"),
    ("cases", "casos"),
    ("history", "solicitudes de los seis meses anteriores"),
    ("coverage", "filas de cobertura de red"),
    ("call_records", "registros de llamadas"),
    ("campaigns", "campañas de llamadas"),
    ("review_items", "puntos de revisión preventiva"),
    ("visits", "visitas de soporte agendadas"),
    ("commercial_visits", "visitas comerciales de los ejecutivos (Anexo 1)"),
    ("messages", "mensajes de clientes por correo y WhatsApp"),
]


def logins() -> list[tuple[str, str, str]]:
    """(role in Spanish, username, password): the first demo user of each role,
    then the administrator."""
    rows, seen = [], set()
    for username, role, _first, _last in data.TEAM:
        if role not in seen:
            seen.add(role)
            rows.append((data.ROLE_LABELS_ES[role], username, data.DEMO_PASSWORD))
    rows.append((data.ADMIN_LABEL_ES, data.ADMIN_USERNAME, data.DEMO_PASSWORD))
    return rows


def logins_table() -> str:
    header = ("Rol", "Usuario", "Contraseña")
    rows = logins()
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]

    def line(cells):
        return "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    other_executives = [u for u, role, _f, _l in data.TEAM if role == "executive"][1:]
    return "\n".join(
        [
            "Usuarios de demostración (misma contraseña para todos):",
            line(header),
            line(["-" * w for w in widths]),
            *(line(row) for row in rows),
            f"  Otras carteras de ejecutivos: {', '.join(other_executives)}.",
        ]
    )


class Command(BaseCommand):
    help = (
        "Carga una cartera de demostración (empresas ficticias de Cochabamba, productos, "
        "facturas, interacciones) y muestra un usuario por rol. Se puede ejecutar de nuevo: "
        "no agrega nada dos veces."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="Imprime solo los usuarios de demostración."
        )
        parser.add_argument(
            "--date",
            dest="reference_date",
            type=date.fromisoformat,
            help="Fecha de referencia AAAA-MM-DD (por defecto, hoy): las facturas cubren los "
            "12 meses anteriores.",
        )

    def handle(self, *args, quiet: bool = False, reference_date: date | None = None, **options):
        # What the services write (interaction summaries, warnings) is Spanish.
        translation.activate(settings.LANGUAGE_CODE)
        today = timezone.localdate()
        reference_date = reference_date or today
        if reference_date > today:
            raise CommandError("La fecha de referencia no puede ser posterior a hoy.")
        started = time.monotonic()
        try:
            created = load_demo(today=reference_date)
            created.update(load_coverage())
            created.update(load_call_records())
            if reference_date == today:  # the day's requests only make sense today
                # Their late steps warn the team lead by e-mail: not on this console.
                with override_settings(
                    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
                ):
                    created.update(load_cases())
                    created.update(load_history())
                    created.update(load_portfolio_work())
                    created.update(load_channels())
        except ValidationError as error:
            raise CommandError(f"No se pudo cargar la demostración: {error}") from error
        seconds = time.monotonic() - started
        if not quiet:
            if created:
                added = ", ".join(f"{created[k]} {label}" for k, label in LABELS if created[k])
                self.stdout.write(f"Demostración cargada en {seconds:.1f} s: {added}.")
            else:
                self.stdout.write(
                    f"La demostración ya estaba cargada: no se agregó nada ({seconds:.1f} s)."
                )
            self.stdout.write(f"\nPosventa: {ADDRESS}\n")
        self.stdout.write(logins_table())
