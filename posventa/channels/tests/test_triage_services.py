"""The triage inbox's rules: who sees which message, and what becomes of a
message that is a request, a reply, no request, or from a sender nobody
knew."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from posventa.cases.models import Case, CaseDocument, DocumentKind
from posventa.channels import selectors
from posventa.channels.models import MessageState, Notification
from posventa.channels.tests.triage_world import (  # noqa: F401 — world_fixture: a fixture
    PDF,
    IncomingFile,
    take,
    world_fixture,
)
from posventa.channels.triage import (
    AlreadyTriaged,
    triage_assign,
    triage_not_request,
    triage_open_case,
    triage_thread,
)
from posventa.common.models import Channel
from posventa.customers.models import Direction, Interaction


def _open(world, message, user=None, **fields):
    values = {
        "procedure": "B",
        "product": world["line"],
        "subject": "Cambio de plan a 50 Mbps",
    }
    return triage_open_case(message=message, user=user or world["executive"], **values | fields)


def test_an_executives_triage_holds_only_her_portfolios_messages(world):
    mine = take(1)
    theirs = take(2, sender="direccion@sanagustin.edu.bo")
    unknown = take(3, sender="alguien@desconocido.bo")

    assert list(selectors.triage_inbox(world["executive"])) == [mine]
    assert list(selectors.triage_inbox(world["other"])) == [theirs]
    assert selectors.triage_count(world["executive"]) == 1
    assert unknown not in selectors.messages_visible_to(world["executive"])
    with pytest.raises(PermissionDenied):
        triage_not_request(message=theirs, user=world["executive"])


def test_the_team_lead_sees_every_message_unknown_senders_first(world):
    mine = take(1)
    unknown = take(2, sender="alguien@desconocido.bo")
    theirs = take(3, sender="direccion@sanagustin.edu.bo")

    inbox = list(selectors.triage_inbox(world["lead"]))
    assert inbox[0] == unknown
    assert set(inbox) == {mine, unknown, theirs}
    assert list(selectors.triage_inbox(world["lead"], sender="unknown")) == [unknown]
    assert selectors.triage_count(world["lead"]) == 3
    # The commercial manager sorts no messages.
    assert selectors.triage_count(world["manager"]) == 0
    assert not selectors.triage_inbox(world["manager"]).exists()


def test_opening_a_case_from_an_email_keeps_its_channel_time_files_and_answers_it(world):
    message = take(
        1,
        files=(
            IncomingFile("carta solicitud.pdf", PDF, "application/pdf"),
            IncomingFile("virus.exe", b"MZ\x90\x00 not a document", "application/octet-stream"),
        ),
    )

    case = _open(world, message)

    assert case.channel == Channel.EMAIL
    assert case.received_at == message.received_at  # the 24 hours run since she wrote
    assert case.company == world["hotel"] and case.product == world["line"]
    assert "Solicito cambio de plan a 50 Mbps" in case.description
    [document] = CaseDocument.objects.filter(case=case)
    assert document.kind == DocumentKind.OTHER and document.file.read() == PDF
    message.refresh_from_db()
    assert message.state == MessageState.OPENED
    assert (message.case, message.triaged_by) == (case, world["executive"])
    assert message.triaged_at is not None
    assert message.attachments.get(filename__startswith="carta").document == document
    assert message.attachments.get(filename__startswith="virus").document is None
    # The case's intake interaction is the message.
    assert message.interaction.case == case
    assert message.interaction.direction == Direction.INBOUND
    assert message.interaction.contact == world["contact"]
    # The acknowledgement answers the message, on its channel.
    [ack] = Notification.objects.filter(case=case)
    assert ack.in_reply_to == message
    assert (ack.event, ack.channel, ack.to) == ("received", "email", "gerencia@hotelmuyurina.bo")
    assert case.number in ack.subject


def test_opening_twice_gives_one_case(world):
    message = take(1)
    case = _open(world, message)

    with pytest.raises(AlreadyTriaged, match=case.number):
        _open(world, message)  # a second click
    with pytest.raises(AlreadyTriaged, match=case.number):
        _open(world, message, user=world["lead"])  # a second person
    assert Case.objects.count() == 1
    assert Notification.objects.count() == 1


def test_a_message_that_is_no_request_is_kept_as_a_contact(world):
    message = take(1)

    triage_not_request(message=message, user=world["executive"], note="Solo agradece")

    message.refresh_from_db()
    assert message.state == MessageState.NOT_REQUEST and message.case is None
    interaction = message.interaction
    assert (interaction.company, interaction.channel, interaction.direction) == (
        world["hotel"],
        Channel.EMAIL,
        Direction.INBOUND,
    )
    assert "Solo agradece" in interaction.summary and "Cambio de plan" in interaction.summary
    assert not Case.objects.exists()


def test_an_unknown_senders_message_is_no_request_without_an_interaction(world):
    message = take(1, sender="publicidad@ofertas.bo")

    triage_not_request(message=message, user=world["lead"])

    message.refresh_from_db()
    assert message.state == MessageState.NOT_REQUEST and message.interaction is None


def test_assigning_an_unknown_sender_moves_it_to_the_customers_executive(world):
    message = take(1, sender="carla.mendez@gmail.com")
    assert message.company is None

    with pytest.raises(PermissionDenied):
        triage_assign(message=message, user=world["executive"], company=world["hotel"])
    triage_assign(
        message=message, user=world["lead"], company=world["hotel"], contact=world["contact"]
    )

    message.refresh_from_db()
    assert (message.company, message.contact) == (world["hotel"], world["contact"])
    assert (message.triage_role, message.triage_user) == ("executive", world["executive"])
    assert message.state == MessageState.TRIAGE
    assert list(selectors.triage_inbox(world["executive"])) == [message]
    case = _open(world, message)  # and she opens its case
    assert case.company == world["hotel"]


def test_a_contact_of_another_customer_is_refused_when_assigning(world):
    message = take(1, sender="carla.mendez@gmail.com")
    school_contact = world["school"].contacts.get()

    with pytest.raises(ValidationError):
        triage_assign(
            message=message, user=world["lead"], company=world["hotel"], contact=school_contact
        )
    message.refresh_from_db()
    assert message.company is None and message.triage_role == "team_lead"


def test_a_reply_that_named_no_case_is_added_to_the_open_case(world):
    first = take(1)
    case = _open(world, first)
    reply = take(2, subject="Carta firmada", files=(IncomingFile("carta.pdf", PDF),))
    assert reply.state == MessageState.TRIAGE  # no case number, no thread id

    triage_thread(message=reply, user=world["executive"], case=case)

    reply.refresh_from_db()
    assert (reply.state, reply.case) == (MessageState.THREADED, case)
    assert reply.interaction.case == case
    assert case.documents.count() == 1


def test_a_message_is_added_only_to_an_open_case_of_its_customer(world):
    from posventa.cases.services import case_open

    school_case = case_open(
        company=world["school"],
        procedure="B",
        channel="phone",
        subject="Cambio",
        product=world["school_line"],
        user=world["other"],
    )
    message = take(1)

    with pytest.raises(ValidationError):
        triage_thread(message=message, user=world["lead"], case=school_case)
    message.refresh_from_db()
    assert message.state == MessageState.TRIAGE


@pytest.mark.parametrize(
    "fields",
    [
        {"procedure": "Z"},
        {"procedure": "I"},  # the team's own procedure: no customer asks for it
        {"product": "school_line"},
        {"product": None},
        {"subject": "x" * 201},
        {"subject": "   "},
    ],
    ids=["unknown", "team-initiated", "other-customer-product", "no-product", "huge", "blank"],
)
def test_bad_input_opens_nothing_and_leaves_the_message_waiting(world, fields):
    message = take(1)
    if fields.get("product") == "school_line":
        fields = {"product": world["school_line"]}

    with pytest.raises(ValidationError):
        _open(world, message, **fields)

    message.refresh_from_db()
    assert message.state == MessageState.TRIAGE and message.case is None
    assert not Case.objects.exists()
    assert not Interaction.objects.exists()
