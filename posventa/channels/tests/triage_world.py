"""What the triage tests share: two portfolios, each with a customer who
writes by e-mail, and messages taken in through the real door
(`intake.message_take`), built as the IMAP reader builds them.

    from posventa.channels.tests.triage_world import world_fixture  # noqa: F401
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.catalog.models import Plan, ProductType
from posventa.channels.intake import Incoming, IncomingFile, message_take
from posventa.common.models import Channel
from posventa.engine import runtime
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory, UserFactory
from posventa.procedures.tests.fixtures import deploy_only

# A real, tiny PDF (the upload rules judge files by their content).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def email(n: int = 1, **fields) -> Incoming:
    """An e-mail as the reader hands it over: written two hours ago."""
    values = {
        "channel": Channel.EMAIL,
        "external_id": f"pedido-{n}@hotelmuyurina.bo",
        "received_at": timezone.now() - timedelta(hours=2),
        "sender": "gerencia@hotelmuyurina.bo",
        "sender_name": "Carla Méndez",
        "subject": "Cambio de plan de internet",
        "body": "Buenos días:\nSolicito cambio de plan a 50 Mbps para la línea INT-3926297.\n"
        "Saludos,\nCarla Méndez",
        "raw": b"From: gerencia@hotelmuyurina.bo\r\nSubject: Cambio de plan\r\n\r\nSolicito\r\n",
        "raw_name": "mensaje.eml",
    }
    return Incoming(**(values | fields))


def take(n: int = 1, **fields):
    message = message_take(email(n, **fields))
    assert message is not None
    return message


@pytest.fixture(name="world")
def world_fixture(db, settings, tmp_path):
    """Mariela's customer (a hotel, its manager's address known, an internet
    line on 10 Mbps) and Jorge's (a school); the team lead; plan change (B)
    deployed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    deploy_only("b_plan_change.bpmn")
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    other = UserFactory(username="ejecutivo2", role=Role.EXECUTIVE)
    lead = UserFactory(username="responsable", role=Role.TEAM_LEAD)
    manager = UserFactory(username="gestor", role=Role.COMMERCIAL_MANAGER)
    internet = ProductType.objects.get(code="internet")
    slow, fast = (
        Plan.objects.create(code=code, name=name, product_type=internet, monthly_price=price)
        for code, name, price in [
            ("INT-10", "Internet 10 Mbps", 250),
            ("INT-50", "Internet 50 Mbps", 520),
        ]
    )
    hotel = CompanyFactory(executive=executive, legal_name="Hotel Muyurina S.R.L.")
    contact = ContactFactory(
        company=hotel, name="Carla Méndez", email="gerencia@hotelmuyurina.bo", is_primary=True
    )
    line = ProductFactory(company=hotel, plan=slow, service_number="INT-3926297")
    school = CompanyFactory(executive=other, legal_name="Colegio San Agustín")
    ContactFactory(company=school, email="direccion@sanagustin.edu.bo", is_primary=True)
    school_line = ProductFactory(company=school, plan=slow, service_number="INT-4400001")
    yield {
        "executive": executive,
        "other": other,
        "lead": lead,
        "manager": manager,
        "hotel": hotel,
        "contact": contact,
        "line": line,
        "fast": fast,
        "school": school,
        "school_line": school_line,
    }
    runtime.specs.clear()


__all__ = ["PDF", "IncomingFile", "email", "take", "world_fixture"]
