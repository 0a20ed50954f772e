"""A real SMTP server for the tests: aiosmtpd's `Controller` on a free local
port, in its own thread, keeping every message it receives whole. The fixture
`smtp_server` starts it and points Django's SMTP backend at it, so a test sees
an e-mail leave over SMTP as the mail relay would get it (headers and all),
not only Django's in-memory outbox.

Import it in the test module (the fixture is named `smtp_server`):
`from posventa.channels.tests.smtp_server import smtp_server_fixture  # noqa: F401`."""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Keeper:
    """The aiosmtpd handler: keeps what arrives; `refuse` makes it answer a
    permanent failure instead (for the retry tests)."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refuse:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            self.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.keeper = _Keeper()
        self.port = _free_port()
        self.controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return list(self.keeper.received)

    def refuse_next(self, times: int = 1) -> None:
        """The next `times` messages are answered "451 try again later"."""
        self.keeper.refuse += times


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(settings):
    """A running SMTP server; Django sends through it (the SMTP backend, no
    TLS, no login)."""
    server = SmtpServer()
    server.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        server.controller.stop()
