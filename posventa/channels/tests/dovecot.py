"""A real IMAP server for the tests and the bench: Debian's Dovecot
(`dovecot-imapd`), started with its own configuration in a temporary folder,
listening on a free port of 127.0.0.1, without TLS, with one passwd-file
user whose mail is a Maildir in that folder.

    from posventa.channels.tests.dovecot import dovecot  # noqa: F401

    def test_…(dovecot):
        dovecot.append(raw_bytes)          # IMAP APPEND into INBOX
        mailbox_read()                     # settings point at it

Run as the current user. As root (CI), Dovecot refuses to give mail access
to uid 0 and to run its login process as root, so the mail belongs to
`nobody` and the login process runs as `dovenull` (`nobody` if missing).
"""

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

DOVECOT = "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
instance_name = posventa-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 0
first_valid_gid = 0
log_path = {base}/dovecot.log
mail_location = maildir:{base}/mail/%u
mail_fsync = never
protocol imap {{
  mail_max_userip_connections = 50
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={base}/home/%u
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    """One Dovecot instance: `start()`, `append(raw)`, `stop()`."""

    user = "posventa"
    password = "buzon-de-prueba"
    host = "127.0.0.1"

    def __init__(self, base: Path | None = None) -> None:
        self.base = Path(base or tempfile.mkdtemp(prefix="posventa-dovecot-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._client: IMAPClient | None = None

    @property
    def config(self) -> Path:
        return self.base / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.base / "dovecot.log"

    @property
    def maildir(self) -> Path:
        return self.base / "mail" / self.user

    def start(self, timeout: float = 15.0) -> "Dovecot":
        me = pwd.getpwuid(os.getuid())
        group = me.pw_gid
        if os.getuid() == 0:
            nobody = pwd.getpwnam("nobody")
            try:
                login_user = pwd.getpwnam("dovenull").pw_name
            except KeyError:
                login_user = nobody.pw_name
            mail_uid, mail_gid = nobody.pw_uid, nobody.pw_gid
            os.chmod(self.base, 0o711)  # the mail's owner walks into its folder
        else:
            login_user = me.pw_name
            mail_uid, mail_gid = me.pw_uid, group
        for folder in ("run", "state", "mail", "home"):
            (self.base / folder).mkdir(exist_ok=True)
        for folder in ("mail", "home"):
            os.chown(self.base / folder, mail_uid, mail_gid)
        (self.base / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        self.config.write_text(
            CONFIG.format(
                base=self.base,
                port=self.port,
                internal_user=me.pw_name,
                internal_group=grp.getgrgid(group).gr_name,
                login_user=login_user,
                mail_uid=mail_uid,
                mail_gid=mail_gid,
            )
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=open(self.base / "stdout.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot stopped at start: {self.log_text()}")
            try:
                socket.create_connection((self.host, self.port), 0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"Dovecot did not listen: {self.log_text()}") from None
                time.sleep(0.05)
        return self

    def log_text(self) -> str:
        texts = []
        for name in ("stdout.log", "dovecot.log"):
            path = self.base / name
            if path.exists():
                texts.append(path.read_text(errors="replace")[-3000:])
        return "\n".join(texts)

    def connect(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """APPEND one message; its UID."""
        if self._client is None:
            self._client = self.connect()
        answer = self._client.append(folder, raw)
        # "[APPENDUID <uidvalidity> <uid>] Append completed."
        text = answer.decode() if isinstance(answer, bytes) else str(answer)
        return int(text.split("]")[0].split()[-1]) if "APPENDUID" in text else 0

    def append_many(self, raws: list[bytes], folder: str = "INBOX") -> None:
        """APPEND many messages in one command (MULTIAPPEND, RFC 3502)."""
        if self._client is None:
            self._client = self.connect()
        self._client.multiappend(folder, raws)

    def close_client(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.logout()
            self._client = None

    def renumber(self) -> None:
        """Give the inbox a new UIDVALIDITY, as a server does when a folder
        is recreated or its index is lost: its UID list and indexes go, so
        Dovecot numbers the same messages again."""
        self.close_client()
        # dovecot-uidvalidity* stay: they make the next UIDVALIDITY a new one.
        for pattern in ("dovecot-uidlist", "dovecot.index*", "dovecot.list.index*"):
            for path in self.maildir.glob(pattern):
                path.unlink()

    def stop(self) -> None:
        self.close_client()
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    def remove(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def dovecot(settings):
    """A running Dovecot, and `POSVENTA_IMAP_*` pointing at its inbox. Its
    folder is a new one under /tmp (pytest's tmp_path is closed to the
    mail's owner when running as root; Unix socket paths must stay short)."""
    if not Path(DOVECOT).exists():
        pytest.skip(f"{DOVECOT} is missing: apt-get install dovecot-imapd")
    server = Dovecot().start()
    settings.POSVENTA_IMAP_HOST = server.host
    settings.POSVENTA_IMAP_PORT = server.port
    settings.POSVENTA_IMAP_SSL = False
    settings.POSVENTA_IMAP_USER = server.user
    settings.POSVENTA_IMAP_PASSWORD = server.password
    settings.POSVENTA_IMAP_FOLDER = "INBOX"
    try:
        yield server
    finally:
        server.stop()
        server.remove()


# A small real PDF (filetype knows it by its first bytes, as the upload rules do).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def email_bytes(
    *,
    sender: str = "Gerencia Cliente <gerencia@cliente.bo>",
    to: str = "Posventa Empresas <posventa@empresa.bo>",
    subject: str = "Cambio de plan",
    text: str | None = "Solicitamos el cambio de plan de nuestra línea.",
    html: str | None = None,
    message_id: str | None = "<solicitud-1@cliente.bo>",
    date: str | None = "Fri, 04 Dec 2026 09:15:00 -0400",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    files: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """An e-mail as a mail client writes it: `files` are (name, content,
    "type/subtype") attachments."""
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    for name, value in (
        ("Message-ID", message_id),
        ("Date", date),
        ("In-Reply-To", in_reply_to),
        ("References", references),
    ):
        if value is not None:
            message[name] = value
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    for filename, content, content_type in files:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)
