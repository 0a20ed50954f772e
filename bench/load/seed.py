"""A year of the team's data for the load run, at a team's real size.

`python bench/load/seed.py` in a Django process of the run's database
(bench/_stack.py sets the environment):

- the team: 20 executives, 5 commercial managers, 3 technical managers,
  6 technical analysts, 2 team leads, a division head, and two integration
  users for the API clients — one password for all (LOAD_PASSWORD) — and
  eight field technicians;
- the plans of the demo's catalogue;
- the commercial system's portfolio loaded through the project's own import
  (posventa.imports, the path `manage.py import_data` takes): 2 000 companies
  with a contact each, 6 000 products, 24 months of invoices (144 000);
- 50 000 finished cases over the last twelve months with their event log:
  120 plan changes (procedure B) are walked through the real services and
  moved back in time (posventa.demo.history), and each is then copied in bulk
  onto other customers and days — its process instance, its event log (new
  task ids, its actors the copy's executive or the same manager), its case
  and interactions — the case numbers following the year's counter, so the
  cases the load opens continue them.

Prints the counts and the seconds each part took.
"""

import csv
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPANIES = int(os.environ.get("LOAD_COMPANIES", "2000"))
PRODUCTS_PER_COMPANY = 3
MONTHS = 24
CASES = int(os.environ.get("LOAD_CASES", "50000"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "carga-posventa-2026")
TEAM = {
    "executive": 20,
    "commercial_manager": 5,
    "technical_manager": 3,
    "technical_analyst": 6,
    "team_lead": 2,
    "division_head": 1,
}
# The plans a product of the load is on (internet: plan changes, damages).
PRODUCT_PLANS = ["INT-10", "INT-20", "INT-50", "LF-BASICA", "DUO-20", "INT-100"]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    timings = {}
    for part in (team, catalogue, portfolio, history):
        started = time.perf_counter()
        counts = part()
        timings[part.__name__] = time.perf_counter() - started
        print(f"{part.__name__:10} {time.perf_counter() - started:7.1f} s  {counts}", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def team() -> dict:
    from django.contrib.auth.hashers import make_password

    from posventa.accounts.models import User

    password = make_password(PASSWORD)
    users = []
    for role, count in TEAM.items():
        for n in range(1, count + 1):
            users.append(
                User(
                    username=f"{role.replace('_', '')}{n:02d}",
                    role=role,
                    first_name=role.replace("_", " ").title(),
                    last_name=f"{n:02d}",
                    email=f"{role}{n}@posventa.example.bo",
                    password=password,
                )
            )
    for n in (1, 2):  # the API clients act as a technical analyst and a commercial manager
        users.append(
            User(
                username=f"integracion{n}",
                role="technical_analyst" if n == 1 else "commercial_manager",
                first_name="Integración",
                last_name=str(n),
                email=f"integracion{n}@posventa.example.bo",
                password=password,
            )
        )
    User.objects.bulk_create(users)
    from posventa.workorders.models import Technician

    technicians = Technician.objects.bulk_create(
        Technician(name=f"Técnico de campo {n}", zone="Centro") for n in range(1, 9)
    )
    return {"users": len(users), "technicians": len(technicians)}


def catalogue() -> dict:
    from posventa.catalog.models import Plan, ProductType
    from posventa.demo import data

    types = {t.code: t for t in ProductType.objects.all()}
    plans = [
        Plan(code=code, name=name, product_type=types[kind], monthly_price=price)
        for code, name, kind, price, _technologies in data.PLANS
        if kind in types
    ]
    Plan.objects.bulk_create(plans, ignore_conflicts=True)
    return {"plans": Plan.objects.count()}


def portfolio() -> dict:
    """Companies, contacts, products and invoices as the commercial system
    exports them, loaded by the import (check, then apply)."""
    folder = Path(tempfile.mkdtemp(prefix="posventa-load-seed-"))
    executives = [f"executive{n:02d}" for n in range(1, TEAM["executive"] + 1)]
    files = {}

    def write(entity: str, header: list[str], rows) -> None:
        path = folder / f"{entity}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(header)
            writer.writerows(rows)
        files[entity] = path

    write(
        "companies",
        ["NIT", "Razón social", "Dirección", "Zona", "Ejecutiva"],
        (
            [
                str(3_000_000 + n),
                f"Empresa de carga {n} S.R.L.",
                f"Av. Ayacucho {n}",
                "Centro",
                executives[n % len(executives)],
            ]
            for n in range(COMPANIES)
        ),
    )
    write(
        "contacts",
        ["NIT", "Nombre", "Cargo", "Teléfono", "Correo", "Principal"],
        (
            [
                str(3_000_000 + n),
                f"Contacto {n}",
                "Gerente administrativo",
                f"4{n:07d}",
                f"contacto{n}@empresa{n}.com.bo",
                "sí",
            ]
            for n in range(COMPANIES)
        ),
    )
    products = COMPANIES * PRODUCTS_PER_COMPANY
    write(
        "products",
        [
            "Número de servicio",
            "NIT",
            "Plan",
            "Tecnología",
            "Dirección de instalación",
            "Fecha de instalación",
        ],
        (
            [
                f"LD-{7_000_000 + n}",
                str(3_000_000 + n // PRODUCTS_PER_COMPANY),
                PRODUCT_PLANS[n % len(PRODUCT_PLANS)],
                "Fibra",
                f"Calle {n}",
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/{2019 + n % 5}",
            ]
            for n in range(products)
        ),
    )
    today = date.today()
    first = date(today.year - 2, today.month, 1)

    def month(m: int) -> date:
        return date(first.year + (first.month - 1 + m) // 12, (first.month - 1 + m) % 12 + 1, 1)

    def invoice_rows():
        for m in range(MONTHS):
            period = month(m)
            due = period.replace(day=20)
            paid = m < MONTHS - 2
            for n in range(products):
                unpaid = n % 9 == 0 and m >= MONTHS - 4  # some debtors, as a portfolio has
                yield [
                    f"C{m:02d}{n:07d}",
                    f"LD-{7_000_000 + n}",
                    f"{period:%m/%Y}",
                    "250,00",
                    f"{due:%d/%m/%Y}",
                    "250,00" if paid and not unpaid else "",
                    f"{due - timedelta(days=3):%d/%m/%Y}" if paid and not unpaid else "",
                ]

    write(
        "invoices",
        [
            "Número de factura",
            "Número de servicio",
            "Periodo",
            "Monto",
            "Vencimiento",
            "Monto pagado",
            "Fecha de pago",
        ],
        invoice_rows(),
    )
    from django.core.files import File

    from posventa.imports import engine, services
    from posventa.imports.models import ImportSource

    counts = {}
    for entity in ("companies", "contacts", "products", "invoices"):
        path = files[entity]
        with path.open("rb") as stream:
            run = services.import_open(
                file=File(stream, name=path.name),
                entity=entity,
                source=ImportSource.COMMAND,
                enqueue=False,
            )
        engine.run_phase(run, apply=False)
        run.refresh_from_db()
        run = services.import_confirm(run=run, user=None, enqueue=False)
        engine.run_phase(run, apply=True)
        run.refresh_from_db()
        if run.refused:
            raise SystemExit(f"{entity}: {run.refused} rows refused (import {run.pk})")
        counts[entity] = run.created
    return counts


def history() -> dict:
    """The walked plan changes, then their copies up to CASES."""
    from django.db import connection, transaction

    from posventa.cases.models import Case, CaseNumberCounter
    from posventa.customers.models import Company, Interaction
    from posventa.demo.history import load_history
    from posventa.engine.models import ProcessInstance, TaskEvent
    from posventa.inventory.models import Product

    walked = load_history()["history"]
    templates = list(
        Case.objects.filter(status="closed")
        .select_related("instance", "company")
        .order_by("received_at")
    )
    events = {}
    for event in TaskEvent.objects.filter(instance__case__in=templates).order_by("pk"):
        events.setdefault(event.instance_id, []).append(event)
    interactions = {}
    for interaction in Interaction.objects.filter(case__in=templates).order_by("pk"):
        interactions.setdefault(interaction.case_id, []).append(interaction)
    companies = list(Company.objects.values_list("pk", "executive_id"))
    products = {}
    for product_id, company_id in Product.objects.filter(
        plan__product_type__code__in=["internet", "duo_pack"]
    ).values_list("pk", "company_id"):
        products.setdefault(company_id, product_id)
    companies = [(c, e) for c, e in companies if c in products]
    rng = random.Random(2026)
    now = time.time()
    year_ago = now - 365 * 86400
    moments = sorted(year_ago + rng.random() * 358 * 86400 for _ in range(CASES - len(templates)))
    counters: dict[int, int] = {row.year: row.last for row in CaseNumberCounter.objects.all()}
    created = 0
    batch = 2500
    from datetime import datetime
    from zoneinfo import ZoneInfo

    LA_PAZ = ZoneInfo("America/La_Paz")
    for start in range(0, len(moments), batch):
        chunk = moments[start : start + batch]
        numbers: list[str] = []
        plan = []
        for moment in chunk:
            template = rng.choice(templates)
            received = datetime.fromtimestamp(moment, tz=LA_PAZ)
            company_id, executive_id = rng.choice(companies)
            counters[received.year] = counters.get(received.year, 0) + 1
            number = f"PV-{received.year}-{counters[received.year]:06d}"
            plan.append((template, received - template.received_at, company_id, executive_id))
            numbers.append(number)
        with transaction.atomic():
            instances = ProcessInstance.objects.bulk_create(
                [
                    ProcessInstance(
                        version_id=template.instance.version_id,
                        business_key=number,
                        status=template.instance.status,
                        state=template.instance.state,
                        result=template.instance.result,
                        started_at=template.instance.started_at + shift,
                        completed_at=_moved(template.instance.completed_at, shift),
                    )
                    for (template, shift, *_rest), number in zip(plan, numbers, strict=True)
                ]
            )
            cases = Case.objects.bulk_create(
                [
                    Case(
                        number=number,
                        company_id=company_id,
                        product_id=products[company_id],
                        procedure=template.procedure,
                        channel=template.channel,
                        received_at=template.received_at + shift,
                        requested_at=template.requested_at + shift,
                        subject=template.subject,
                        description=template.description,
                        status=template.status,
                        outcome=template.outcome,
                        attended_at=_moved(template.attended_at, shift),
                        attended_role=template.attended_role,
                        closed_at=_moved(template.closed_at, shift),
                        quality_conform=template.quality_conform,
                        quality_note=template.quality_note,
                        opened_by_id=executive_id,
                        instance=instance,
                    )
                    for (template, shift, company_id, executive_id), number, instance in zip(
                        plan, numbers, instances, strict=True
                    )
                ]
            )
            Case.objects.filter(pk__in=[c.pk for c in cases]).update(created_at=_created_at())
            TaskEvent.objects.bulk_create(
                [
                    TaskEvent(
                        instance=instance,
                        task_id=uuid.uuid4(),
                        bpmn_id=event.bpmn_id,
                        name=event.name,
                        kind=event.kind,
                        lane=event.lane,
                        started_at=event.started_at + shift,
                        taken_at=_moved(event.taken_at, shift),
                        ended_at=_moved(event.ended_at, shift),
                        cancelled=event.cancelled,
                        actor_id=executive_id
                        if event.actor_id == template.company.executive_id
                        else event.actor_id,
                        data=event.data,
                    )
                    for (template, shift, _company, executive_id), instance in zip(
                        plan, instances, strict=True
                    )
                    for event in events.get(template.instance_id, [])
                ],
                batch_size=5000,
            )
            Interaction.objects.bulk_create(
                [
                    Interaction(
                        company_id=case.company_id,
                        occurred_at=interaction.occurred_at + shift,
                        channel=interaction.channel,
                        direction=interaction.direction,
                        recorded_by_id=executive_id
                        if interaction.recorded_by_id == template.company.executive_id
                        else interaction.recorded_by_id,
                        summary=interaction.summary,
                        case=case,
                    )
                    for (template, shift, _company, executive_id), case in zip(
                        plan, cases, strict=True
                    )
                    for interaction in interactions.get(template.pk, [])
                ],
                batch_size=5000,
            )
        created += len(cases)
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        for year, last in counters.items():
            cursor.execute(
                f"INSERT INTO {table} (year, last) VALUES (%s, %s) "
                f"ON CONFLICT (year) DO UPDATE SET last = GREATEST({table}.last, EXCLUDED.last)",
                [year, last],
            )
    return {
        "walked": walked,
        "copied": created,
        "cases": Case.objects.count(),
        "events": TaskEvent.objects.count(),
        "interactions": Interaction.objects.count(),
    }


def _moved(moment, shift):
    return moment + shift if moment is not None else None


def _created_at():
    from django.db.models import F

    return F("received_at")


if __name__ == "__main__":
    main()
