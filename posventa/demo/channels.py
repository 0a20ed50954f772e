"""The demo's mailbox: a few e-mails and a WhatsApp message the customers
sent, taken in through the real door (`email_in.email_parse` reads each
whole .eml as the IMAP reader does, `intake.message_take` sends it where it
goes), so `make run` shows the triage inbox of an executive and of the team
lead: a plan change asked for by e-mail, the signed letter that follows it
(a PDF attached), an auto-reply that goes nowhere, a sender nobody knows, a
WhatsApp message, and a request of another portfolio.

Each message has a fixed Message-ID (or WhatsApp id): a second run takes
nothing in twice, and adds nothing.
"""

import json
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.db import transaction
from django.utils import timezone

from posventa.accounts.models import User
from posventa.catalog.models import Plan
from posventa.channels.email_in import email_parse
from posventa.channels.intake import Incoming, message_take
from posventa.common.models import Channel
from posventa.customers.models import Company, Contact
from posventa.inventory.models import Product, ProductStatus, Technology

# The team's mailbox the customers write to.
TEAM_MAILBOX = "posventa.empresas@comteco.example"


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with these lines of text (Helvetica, WinAnsi: Spanish
    letters included), built by hand: a real PDF the upload rules accept."""
    text = ["BT", "/F1 12 Tf", "72 760 Td", "16 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text.append(f"({escaped}) Tj T*")
    text.append("ET")
    stream = "\n".join(text).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _eml(
    *,
    message_id: str,
    sender: Contact | tuple[str, str],
    subject: str,
    body: str,
    written: datetime,
    html: str = "",
    headers: dict[str, str] | None = None,
    files: list[tuple[str, bytes]] = (),
) -> bytes:
    """A whole e-mail as a mail client writes it."""
    name, address = (sender.name, sender.email) if isinstance(sender, Contact) else sender
    mail = EmailMessage()
    mail["From"] = formataddr((name, address))
    mail["To"] = formataddr(("Posventa Empresas", TEAM_MAILBOX))
    mail["Subject"] = subject
    mail["Date"] = format_datetime(timezone.localtime(written))
    mail["Message-ID"] = f"<{message_id}>"
    for header, value in (headers or {}).items():
        mail[header] = value
    mail.set_content(body)
    if html:
        mail.add_alternative(html, subtype="html")
    for filename, content in files:
        mail.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return mail.as_bytes()


def _customers(executive: User) -> list[tuple[Company, Contact, Product]]:
    """The executive's customers that have a contact with an address and an
    internet line, in a fixed order."""
    found = []
    companies = Company.objects.filter(executive=executive).order_by("nit")
    for company in companies:
        contact = company.contacts.exclude(email="").order_by("-is_primary", "pk").first()
        line = (
            Product.objects.filter(
                company=company,
                status=ProductStatus.ACTIVE,
                plan__product_type__code="internet",
            )
            .select_related("plan")
            .order_by("service_number")
            .first()
        )
        if contact is not None and line is not None:
            found.append((company, contact, line))
    return found


def _faster_plan(line: Product) -> Plan | None:
    """The plan a customer on this line would ask for: 100 Mbps when it is
    faster than hers, else the next faster one (fiber only: copper tops out
    at 20 Mbps)."""
    if line.technology != Technology.FIBER:
        return None
    faster = Plan.objects.filter(
        product_type_id=line.plan.product_type_id,
        is_active=True,
        monthly_price__gt=line.plan.monthly_price,
    ).order_by("monthly_price")
    return faster.filter(name__endswith=" 100 Mbps").first() or faster.first()


def load_channels(*, now: datetime | None = None) -> Counter:
    """Take the demo's messages in; returns {"messages": how many were new}."""
    created: Counter = Counter()
    now = now or timezone.now()
    executive = User.objects.filter(username="ejecutiva").first()
    other = User.objects.filter(username="ejecutivo2").first()
    if executive is None or other is None:
        return created
    mine = _customers(executive)
    theirs = _customers(other)
    asking = next(
        ((c, ct, line, plan) for c, ct, line in mine if (plan := _faster_plan(line))), None
    )
    if asking is None or len(mine) < 3 or not theirs:
        return created
    hotel, hotel_contact, hotel_line, wanted = asking
    # "Internet Empresarial 100 Mbps": the customer says "100 Mbps".
    speed = " ".join(wanted.name.split()[-2:]) if wanted.name.endswith("Mbps") else wanted.name
    rest = [row for row in mine if row[0] != hotel]
    second, second_contact, _line = rest[0]
    third = next((row for row in rest[1:] if row[1].whatsapp), None)
    school, school_contact, school_line = theirs[0]
    domain = hotel_contact.email.rpartition("@")[2]
    request_id = f"demo-cambio-plan-{hotel.nit}@{domain}"
    emails = [
        _eml(
            message_id=request_id,
            sender=hotel_contact,
            subject="Solicitud de cambio de plan de internet",
            body=(
                "Buenos días:\n\n"
                f"Solicito cambio de plan a {speed} "
                f"para la línea {hotel_line.service_number} "
                f"(hoy {hotel_line.plan.name}). Hemos ampliado el personal de la oficina y la "
                "conexión ya no alcanza en horas pico.\n\n"
                "La carta firmada por el gerente la envío en un correo aparte.\n\n"
                f"Saludos cordiales,\n{hotel_contact.name}\n{hotel.legal_name}"
            ),
            html=(
                f"<p>Buenos días:</p><p>Solicito cambio de plan a <b>{speed}</b> para la línea "
                f"{hotel_line.service_number}.</p><script>alert('no se ejecuta')</script>"
            ),
            written=now - timedelta(hours=3, minutes=10),
        ),
        _eml(
            message_id=f"demo-carta-{hotel.nit}@{domain}",
            sender=hotel_contact,
            subject="RE: Solicitud de cambio de plan de internet",
            body=(
                "Estimados:\n\nAdjunto la carta de solicitud firmada por nuestro gerente "
                "general, con la fotocopia del NIT.\n\n"
                f"Atentamente,\n{hotel_contact.name}"
            ),
            headers={"In-Reply-To": f"<{request_id}>", "References": f"<{request_id}>"},
            files=[
                (
                    "Carta solicitud cambio de plan.pdf",
                    _pdf(
                        [
                            f"Cochabamba, {timezone.localdate(now):%d/%m/%Y}",
                            "Señores COMTECO R.L. - Posventa Empresas",
                            "Ref.: Solicitud de cambio de plan",
                            "Solicitamos el cambio de plan de la línea "
                            f"{hotel_line.service_number} a {wanted.name}.",
                            f"{hotel.legal_name} - NIT {hotel.nit}",
                            "Firma: Gerente General",
                        ]
                    ),
                )
            ],
            written=now - timedelta(hours=2, minutes=45),
        ),
        _eml(
            message_id=f"demo-fuera-oficina-{second.nit}@{second_contact.email.rpartition('@')[2]}",
            sender=second_contact,
            subject="Respuesta automática: Fuera de la oficina",
            body=(
                "Gracias por su mensaje. Estaré fuera de la oficina hasta el lunes, "
                "sin acceso al correo. Para temas urgentes escriba a gerencia."
            ),
            headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
            written=now - timedelta(hours=1, minutes=30),
        ),
        _eml(
            message_id="demo-consulta-sucursal@gmail.com",
            sender=("Rodrigo Vargas", "rodrigo.vargas.bo@gmail.com"),
            subject="Consulta: internet para nuestra nueva sucursal",
            body=(
                "Buenas tardes:\n\nSomos una distribuidora de repuestos y abrimos una sucursal en "
                "Quillacollo. Quisiéramos saber qué planes de internet empresarial tienen y "
                "cuánto demora la instalación.\n\nRodrigo Vargas\nCel. 71234567"
            ),
            written=now - timedelta(hours=5),
        ),
        _eml(
            message_id=f"demo-suspension-{school.nit}@{school_contact.email.rpartition('@')[2]}",
            sender=school_contact,
            subject="Suspensión temporal del servicio por vacaciones",
            body=(
                "Señores:\n\nSolicitamos la suspensión temporal de la línea "
                f"{school_line.service_number} durante las vacaciones de invierno, del 1 al 15 "
                "del próximo mes.\n\nAtentamente,\n"
                f"{school_contact.name}\n{school.legal_name}"
            ),
            written=now - timedelta(hours=20),
        ),
    ]
    third_company, third_contact, third_line = third or (None, None, None)
    whatsapp_number = third_contact.whatsapp if third_contact else ""
    with transaction.atomic():
        for raw in emails:
            if message_take(email_parse(raw)) is not None:
                created["messages"] += 1
        if whatsapp_number:
            written = now - timedelta(minutes=40)
            body = (
                "Buenas tardes, el internet de la oficina "
                f"({third_line.service_number}) está muy lento desde ayer. ¿Pueden revisar?"
            )
            wamid = f"wamid.DEMO{third_company.nit}"
            payload = {
                "from": f"591{whatsapp_number}",
                "id": wamid,
                "timestamp": str(int(written.timestamp())),
                "type": "text",
                "text": {"body": body},
            }
            incoming = Incoming(
                channel=Channel.WHATSAPP,
                external_id=wamid,
                received_at=written,
                sender=f"+591 {whatsapp_number}",
                sender_name=third_contact.name,
                body=body,
                raw=json.dumps(payload, ensure_ascii=False).encode(),
                raw_name="mensaje.json",
            )
            if message_take(incoming) is not None:
                created["messages"] += 1
    return created
