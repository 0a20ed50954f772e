"""One number format everywhere: the demo, read as each role reads it — every
main page, every PDF it can print, every e-mail and interaction it writes —
shows no amount written the machine way ("Bs 2620.00", "2620.00") nor an
amount without its thousands separator ("Bs 2620,00"); and no number written
the Bolivian way ("10,5") reaches an attribute a browser reads as a number
(SVG coordinates, input bounds, data-*).

The demo is loaded once for the module (about a minute and a half) and rolled
back after it."""

import html
import re
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from io import BytesIO, StringIO
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from posventa.common.money import format_amount, format_bs, format_number

# --- what counts as an unformatted number -------------------------------------------

# "Bs" (or "Bs.") and the number after it, in whatever form it was written.
BS_AMOUNT = re.compile(r"\bBs\.?\s*(-?\d[\d.,]*\d|\d)(?![\d])")
# The one form an amount after "Bs" may take: 1.234,56
BOLIVIAN_AMOUNT = re.compile(r"-?\d{1,3}(?:\.\d{3})*,\d{2}")
# Bare amounts written the machine way or without thousands: 2620.00,
# 2,620.00, 2620,00 — four or more digits before two decimals, or English
# thousands. Not versions, IPs, times, dates, NITs or phone numbers: those have
# no two-decimal tail after a run of four digits.
BARE_AMOUNT = re.compile(r"(?<![\d.,/:-])(?:\d{4,}[.,]\d{2}|\d{1,3}(?:,\d{3})+\.\d{2})(?![\d.,])")

# Attributes a browser reads as a number, and a number written with a
# decimal comma (10,5) or with thousands dots and a comma (1.234,5).
NUMERIC_ATTRIBUTES = {
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "width",
    "height",
    "min",
    "max",
    "step",
    "value",
    "low",
    "high",
    "optimum",
    "aria-valuenow",
    "aria-valuemin",
    "aria-valuemax",
}
ATTRIBUTE = re.compile(r"""\s([a-zA-Z][\w:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
LOCALIZED_NUMBER = re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+,\d+")
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


def unformatted_amounts(text: str) -> list[str]:
    """The amounts of a visible text not written the Bolivian way, each with a
    little of what surrounds it."""
    found = []
    for match in BS_AMOUNT.finditer(text):
        if not BOLIVIAN_AMOUNT.fullmatch(match.group(1)):
            found.append(text[max(0, match.start() - 30) : match.end() + 10])
    for match in BARE_AMOUNT.finditer(text):
        found.append(text[max(0, match.start() - 30) : match.end() + 10])
    return found


def localized_attributes(page: str) -> list[str]:
    """Attributes a browser reads as numbers holding a locale-formatted one."""
    found = []
    for match in ATTRIBUTE.finditer(page):
        name = match.group(1).lower()
        value = (match.group(2) if match.group(2) is not None else match.group(3)).strip()
        numeric = name in NUMERIC_ATTRIBUTES or name.startswith("data-")
        if numeric and LOCALIZED_NUMBER.fullmatch(value):
            found.append(f'{name}="{value}"')
    return found


_INVISIBLE = re.compile(
    r"<(script|style|template)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE
)
_TAG = re.compile(r"<[^>]+>")


def visible_text(page: str) -> str:
    """What a person reads: the text between tags, and the tooltips and labels."""
    shown = [
        m.group(2) or m.group(3) or ""
        for m in ATTRIBUTE.finditer(page)
        if m.group(1).lower() in VISIBLE_ATTRIBUTES
    ]
    text = _TAG.sub(" ", _INVISIBLE.sub(" ", page))
    return " ".join(html.unescape(" ".join([text, *shown])).split())


def pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- the checks themselves can fail ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Cambio de plan: Internet 20 (Bs 2620.00)",
        "Total adeudado: Bs 2620.00.",
        "Bs. 1234,50",
        "Promesa de Bs 300 al 05/12",
        "Total 2620.00",
        "importe 12345,60 en la factura",
        "total 2,620.00",
    ],
)
def test_the_scan_catches_an_amount_not_written_the_bolivian_way(text):
    assert unformatted_amounts(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bs 2.620,00 en la próxima factura",
        "Bs 0,50 · Bs -1.234,56 · Bs 1.234.567,00",
        "NIT 1020304025 · tel. 4 4251234 · 70712345",
        "28/11/2026 14:30 · versión 3.2.0 · 192.168.10.25 · PV-2026-000123",
        "19,0 % · 1.234 llamadas · OT-2026-000012 · 12.50 % del plan",
        "Bs per month",
    ],
)
def test_the_scan_passes_what_is_not_an_unformatted_amount(text):
    assert not unformatted_amounts(text)


def test_the_attribute_scan_catches_a_decimal_comma_in_a_coordinate():
    page = '<line x1="10,0" y1="12.5"><input min="1.000,5" value="3"><b data-owed="2.620,00">'
    assert localized_attributes(page) == ['x1="10,0"', 'min="1.000,5"', 'data-owed="2.620,00"']
    assert not localized_attributes('<rect x="10.5" width="1000"><b data-id="12">')


def test_the_helpers_write_the_bolivian_way():
    assert format_bs(Decimal("2620")) == "Bs 2.620,00"
    assert format_amount("1234567.891") == "1.234.567,89"
    assert format_number(12.5) == "12,5"
    assert format_number(1500, 0) == "1.500"
    assert not unformatted_amounts(format_bs(2620))


# --- the demo, read by every role -------------------------------------------------------

# Address patterns (URL names) never followed: leaving, the admin, files for
# machines (Excel, iCalendar), the API.
SKIPPED_NAMES = {"logout", "password_change", "password_reset"}
SKIPPED = re.compile(r"^/(admin|api|static|media)/|\.(xlsx|ics|csv|json)$")
# How many addresses of one pattern each role opens: enough to see several
# procedures' cases and tasks, bounded so the scan stays about a minute.
PER_NAME = defaultdict(lambda: 3)
PER_NAME.update(
    {
        "cases:detail": 25,
        "cases:task": 25,
        "cases:document": 25,
        "customers:detail": 6,
        "workorders:detail": 4,
        "claims:detail": 4,
    }
)
MAX_PAGES_PER_ROLE = 160
HREF = re.compile(r"""<a\b[^>]*\shref=["']([^"'#][^"']*)["']""", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo as `make run` loads it, plus the documents it prints on
    demand (proformas, a dunning letter, a call detail, an order request
    with a bill), a payment promise and a complaint at UTAR (which the demo
    lacks), and every e-mail it sent."""
    from posventa.engine import runtime

    media = tmp_path_factory.mktemp("media")
    runtime.specs.clear()
    with (
        override_settings(MEDIA_ROOT=media),
        django_db_blocker.unblock(),
        transaction.atomic(),
        translation.override("es"),
    ):
        mail.outbox = []
        call_command("demo", "--quiet", stdout=StringIO())
        from posventa.cases.tests.documents import render_pending

        render_pending()  # the worker renders the order requests after their steps
        printed = _print_on_demand()
        yield {"emails": list(mail.outbox), "pdfs": printed}
        transaction.set_rollback(True)
    runtime.specs.clear()


def _print_on_demand() -> dict[str, bytes]:
    """The PDFs the demo does not print by itself, printed from its data; and
    a promise and a complaint, so their pages and e-mails are read too."""
    from posventa.billing.models import Invoice
    from posventa.calls.models import CallRecord
    from posventa.calls.services import call_detail_collect, call_detail_pdf
    from posventa.cases.models import Case
    from posventa.claims.services import complaint_register, complaint_urge
    from posventa.collections.selectors import overdue_total
    from posventa.collections.services import (
        dunning_letter,
        proformas_for_company,
        promise_record,
    )
    from posventa.customers.models import Company
    from posventa.procedures.actions.documents import order_request

    today = timezone.localdate()
    printed = {}
    debtors = [
        c for c in Company.objects.order_by("nit") if overdue_total(company=c, today=today) > 0
    ]
    for company in debtors[:2] + list(Company.objects.order_by("-nit")[:2]):
        sending = proformas_for_company(company=company, period=today)
        for proforma in sending.proformas.all() if sending else []:
            printed[proforma.file.name] = proforma.file.read()
    case = Case.objects.filter(company__in=debtors).first() or Case.objects.first()
    document = dunning_letter(case=case)
    printed[document.file.name] = document.file.read()
    record = CallRecord.objects.filter(cost__gt=0).order_by("pk").first()
    detail = call_detail_collect(
        products=[record.product],
        source=record.source,
        months=[f"{timezone.localtime(record.started_at):%Y-%m}"],
    )
    printed["call-detail.pdf"] = call_detail_pdf(detail, case=case)
    result = order_request(
        case.instance,
        change="Retiro del producto",
        fee=Decimal("2620"),
        lines=[("Tarifa", "prorrata", "2620.5"), ("Penalidad", "3 meses", "12345.6")],
        total="14966.1",
    )
    from posventa.cases.jobs import render_document
    from posventa.cases.models import CaseDocument

    render_document(result["document_id"])  # as the worker does after the step
    document = CaseDocument.objects.get(pk=result["document_id"])
    printed[document.file.name] = document.file.read()

    # A payment promise (the debtors page shows it) and a complaint at UTAR
    # (its pages and e-mails), on the largest invoice: four digits at least.
    owed = overdue_total(company=case.company, today=today)
    promise_record(case=case, promised_on=today + timedelta(days=2), amount=owed)
    invoice = Invoice.objects.order_by("-amount", "pk").first()
    complaint = complaint_register(
        invoice=invoice, disputed_amount=invoice.amount, reason="Cobro duplicado"
    )
    complaint_urge(complaint=complaint, note="El cliente insiste.")
    return printed


def _route_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def _read_as(user, starts: list[str], findings: list[str], pdfs: dict[str, bytes]) -> int:
    """Open the pages `user` reaches from `starts` by following links, and
    note every unformatted amount and localized attribute on them."""
    client = Client()
    client.force_login(user)
    queue, seen, per_name, opened = list(starts), set(), Counter(), 0
    while queue and opened < MAX_PAGES_PER_ROLE:
        address = urldefrag(queue.pop(0))[0]
        path = urlsplit(address).path
        if address in seen or SKIPPED.search(path):
            continue
        seen.add(address)
        name = _route_name(path)
        if name is None or name in SKIPPED_NAMES or per_name[name] >= PER_NAME[name]:
            continue
        per_name[name] += 1
        response = client.get(address)
        opened += 1
        where = f"{user.username} {address}"
        kind = response.get("Content-Type", "")
        if response.status_code != 200:
            continue
        if kind.startswith("application/pdf"):
            pdfs[address] = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            continue
        if not kind.startswith("text/html"):
            continue
        page = response.content.decode()
        findings += [f"{where}: «{s}»" for s in unformatted_amounts(visible_text(page))]
        findings += [f"{where}: {a}" for a in localized_attributes(page)]
        for link in HREF.findall(page):
            link = html.unescape(link)
            if link.startswith("/") and link not in seen:
                queue.append(link)
    return opened


# How a number is written does not depend on the database, and the crawl (the
# demo loaded, about a thousand pages read) is the suite's longest test: it
# runs on SQLite only.
@pytest.mark.skipif(connection.vendor != "sqlite", reason="formatting is the same on PostgreSQL")
@pytest.mark.usefixtures("db")
def test_no_page_pdf_email_or_interaction_of_the_demo_shows_an_unformatted_amount(demo):
    from posventa.accounts.models import User
    from posventa.accounts.roles import Role
    from posventa.cases.models import Case
    from posventa.customers.models import Interaction
    from posventa.engine.models import HumanTask
    from posventa.outbox.models import OutgoingEmail

    findings: list[str] = []
    pdfs: dict[str, bytes] = dict(demo["pdfs"])
    # One case of every procedure, and every open step, as starting points.
    cases = {}
    for case in Case.objects.order_by("-received_at"):
        cases.setdefault(case.procedure, case)
    case_pages = [reverse("cases:detail", args=[c.number]) for c in cases.values()]
    tasks = [reverse("cases:task", args=[t.task_id]) for t in HumanTask.objects.order_by("pk")]
    lists = [
        reverse(name)
        for name in [
            "web:home",
            "cases:inbox",
            "customers:portfolio",
            "collections:debtors",
            "collections:proformas",
            "claims:list",
            "workorders:list",
            "campaigns:list",
            "reviews:worklist",
            "visits:calendar",
            "indicators:dashboard",
            "indicators:time_spent",
            "indicators:closed",
            "imports:list",
        ]
    ]
    today = timezone.localdate()
    period = f"?start={today - timedelta(days=30)}&end={today + timedelta(days=30)}"
    lists += [reverse(f"visits:{name}") + period for name in ("schedule_form", "support_schedule")]
    opened = Counter()
    for role in Role:
        user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        opened[role] = _read_as(user, lists + case_pages + tasks, findings, pdfs)
    assert all(count >= 10 for count in opened.values()), opened

    for name, content in pdfs.items():
        findings += [f"PDF {name}: «{s}»" for s in unformatted_amounts(pdf_text(content))]
    assert len(pdfs) >= 8, sorted(pdfs)

    emails = [(m.subject, m.body) for m in demo["emails"]]
    emails += list(OutgoingEmail.objects.values_list("subject", "body"))
    for subject, body in emails:
        findings += [f"e-mail «{subject}»: «{s}»" for s in unformatted_amounts(f"{subject} {body}")]
    assert emails

    for summary in Interaction.objects.values_list("summary", flat=True):
        findings += [f"interaction: «{s}»" for s in unformatted_amounts(summary)]

    # Labels of the rows, as dropdowns and the admin show them.
    for model in apps.get_models():
        if model._meta.app_label not in {"catalog", "billing", "inventory", "collections"}:
            continue
        for obj in model._default_manager.all()[:60]:
            findings += [f"{model._meta.label} label: «{s}»" for s in unformatted_amounts(str(obj))]

    assert not findings, f"{len(findings)} unformatted numbers:\n" + "\n".join(
        sorted(set(findings))[:200]
    )
