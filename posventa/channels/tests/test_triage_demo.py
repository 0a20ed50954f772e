"""The demo's mailbox (`demo/channels.py`): whole e-mails read as the IMAP
reader reads them and taken in through `message_take`, landing in the
executive's and the team lead's triage; a second run adds nothing."""

import pytest

from posventa.accounts.roles import Role
from posventa.catalog.models import Plan, ProductType
from posventa.channels import selectors
from posventa.channels.models import InboundMessage, MessageState
from posventa.common.models import Channel
from posventa.demo.channels import load_channels
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory, UserFactory


@pytest.fixture
def portfolios(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    internet = ProductType.objects.get(code="internet")
    plan = Plan.objects.create(
        code="INT-20", name="Internet 20 Mbps", product_type=internet, monthly_price=300
    )
    Plan.objects.create(
        code="INT-100", name="Internet 100 Mbps", product_type=internet, monthly_price=840
    )
    people = {
        "ejecutiva": UserFactory(username="ejecutiva", role=Role.EXECUTIVE),
        "ejecutivo2": UserFactory(username="ejecutivo2", role=Role.EXECUTIVE),
        "responsable": UserFactory(username="responsable", role=Role.TEAM_LEAD),
    }
    for n, (username, domain) in enumerate(
        [
            ("ejecutiva", "muyurina.bo"),
            ("ejecutiva", "tecnofarma.bo"),
            ("ejecutiva", "andina.bo"),
            ("ejecutivo2", "sanagustin.edu.bo"),
        ]
    ):
        company = CompanyFactory(executive=people[username], nit=str(1030000000 + n))
        ContactFactory(
            company=company, email=f"gerencia@{domain}", whatsapp=f"7071000{n}", is_primary=True
        )
        ProductFactory(
            company=company, plan=plan, service_number=f"INT-500000{n}", technology="fiber"
        )
    return people


def test_the_demo_fills_the_triage_of_an_executive_and_of_the_team_lead(portfolios):
    created = load_channels()

    assert created["messages"] == 6
    hers = list(selectors.triage_inbox(portfolios["ejecutiva"]))
    # The plan change, its letter (a PDF), the WhatsApp message; not the auto-reply.
    assert len(hers) == 3
    assert {m.channel for m in hers} == {Channel.EMAIL, Channel.WHATSAPP}
    request = next(m for m in hers if m.subject == "Solicitud de cambio de plan de internet")
    assert "Solicito cambio de plan a 100 Mbps para la línea INT-5000000" in request.body
    assert "<script>" not in request.body  # the plain-text part, never the HTML
    raw = request.raw.read()  # the whole .eml kept, its HTML part included
    assert b"Message-ID: <demo-cambio-plan-" in raw and b"text/html" in raw
    letter = next(m for m in hers if m.subject.startswith("RE:"))
    [pdf] = letter.attachments.all()
    assert pdf.refused_reason == "" and pdf.file.read().startswith(b"%PDF-1.4")
    automatic = InboundMessage.objects.get(state=MessageState.AUTOMATIC)
    assert "Fuera de la oficina" in automatic.subject
    lead = list(selectors.triage_inbox(portfolios["responsable"]))
    assert len(lead) == 5
    assert lead[0].company is None and lead[0].sender == "rodrigo.vargas.bo@gmail.com"
    assert len(selectors.triage_inbox(portfolios["ejecutivo2"])) == 1


def test_a_second_demo_run_adds_no_message(portfolios):
    load_channels()
    count = InboundMessage.objects.count()

    assert load_channels()["messages"] == 0
    assert InboundMessage.objects.count() == count
