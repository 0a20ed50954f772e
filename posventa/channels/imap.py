"""The team's mailbox, read over IMAP (imapclient): every message that
reached the folder since the last read goes through `email_parse` and
`intake.message_take`.

**Where the reading stands.** `ImapCursor` keeps the folder's UIDVALIDITY
and the last UID taken in; a read asks the server only for the UIDs above
it. A new UIDVALIDITY (the folder was recreated, the server renumbered it)
reads the whole folder again: the Message-ID constraint keeps that from
adding anything twice.

**Batches.** Bodies are fetched `BATCH` messages at a time (`BODY.PEEK[]`,
so nothing is marked read on the server), and at most `BATCH_BYTES` per
FETCH. Each batch is one transaction: the cursor row is locked
(`select_for_update`), the batch's messages are taken, the cursor moves past
them, and it commits. A second reader at the same time waits for the lock
and then skips what the first took; a reader killed half-way leaves the
cursor at its last committed batch and the next read takes the rest — even
a message taken but not counted in the cursor would be refused by the
constraint (`inbound_message_once`), so a crash never adds a duplicate.

**Big messages.** A message over `MAX_MESSAGE_BYTES` is not fetched whole:
its headers are taken in (who, when, subject, thread) with a note in its
text, so the team knows to read it in the mailbox itself.

**A message that fails** to be taken (a bug, not a sender's doing: parsing
never raises) is logged and skipped; it stays in the mailbox.

Two ways to read, both safe at once: the worker's job `read_mailbox` every
minute (`mailbox_read`), and `manage.py read_mailbox --idle` (`mailbox_watch`),
which waits on IMAP IDLE and reads as soon as mail arrives.
"""

import contextlib
import dataclasses
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient import IMAPClient

from posventa.channels.email_in import email_parse
from posventa.channels.intake import Incoming, message_take
from posventa.channels.models import ImapCursor, InboundMessage
from posventa.common.models import Channel

logger = logging.getLogger(__name__)

BATCH = 200  # messages per FETCH and per transaction
BATCH_BYTES = 64 * 1024 * 1024  # bytes of messages per FETCH, whatever their count
MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # over this, only the headers are read
TIMEOUT_SECONDS = 60  # connect and each command (IDLE waits in its own short steps)
IDLE_SECONDS = 29 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes
POLL_SECONDS = 60  # without IDLE, read once a minute
BACKOFF_MAX_SECONDS = 300


def imap_configured() -> bool:
    return bool(settings.POSVENTA_IMAP_HOST and settings.POSVENTA_IMAP_USER)


def imap_connect() -> IMAPClient:
    """A logged-in connection to the team's mailbox (`POSVENTA_IMAP_*`)."""
    client = IMAPClient(
        settings.POSVENTA_IMAP_HOST,
        port=settings.POSVENTA_IMAP_PORT,
        ssl=settings.POSVENTA_IMAP_SSL,
        timeout=TIMEOUT_SECONDS,
    )
    try:
        client.login(settings.POSVENTA_IMAP_USER, settings.POSVENTA_IMAP_PASSWORD)
    except Exception:
        _logout(client)
        raise
    return client


def _logout(client: IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()


def mailbox_read(*, limit: int | None = None) -> int:
    """Take in what reached the team's mailbox since the last read, at most
    `limit` messages; how many were new. Without `POSVENTA_IMAP_HOST`: 0."""
    if not imap_configured():
        return 0
    client = imap_connect()
    try:
        return folder_read(client, limit=limit)
    finally:
        _logout(client)


def _cursor(folder: str, uid_validity: int) -> ImapCursor:
    """The folder's read position for this UIDVALIDITY (a new one starts
    over from UID 0)."""
    ImapCursor.objects.get_or_create(folder=folder, defaults={"uid_validity": uid_validity})
    with transaction.atomic():
        cursor = ImapCursor.objects.select_for_update().get(folder=folder)
        if cursor.uid_validity != uid_validity:
            logger.warning(
                "IMAP folder %s: UIDVALIDITY %s → %s, reading it again",
                folder,
                cursor.uid_validity,
                uid_validity,
            )
            cursor.uid_validity = uid_validity
            cursor.last_uid = 0
            cursor.save(update_fields=["uid_validity", "last_uid"])
    return cursor


def _chunks(uids: list[int], sizes: dict[int, int]):
    """The UIDs in FETCH-sized groups: at most BATCH of them and BATCH_BYTES."""
    group: list[int] = []
    total = 0
    for uid in uids:
        size = min(sizes.get(uid, 0), MAX_MESSAGE_BYTES)
        if group and (len(group) >= BATCH or total + size > BATCH_BYTES):
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _too_big(headers: bytes, size: int) -> Incoming:
    incoming = email_parse(headers)
    note = _(
        "[This message weighs %(size)s MB, more than the %(limit)s MB read automatically: "
        "only its headers were taken in. Read it in the team's mailbox.]"
    ) % {"size": size // (1024 * 1024), "limit": MAX_MESSAGE_BYTES // (1024 * 1024)}
    return dataclasses.replace(incoming, body=note, files=())


def _fetch(client: IMAPClient, group: list[int], sizes: dict[int, int]) -> dict[int, Incoming]:
    """The group's messages, parsed (the big ones by their headers only)."""
    whole = [uid for uid in group if sizes.get(uid, 0) <= MAX_MESSAGE_BYTES]
    big = [uid for uid in group if sizes.get(uid, 0) > MAX_MESSAGE_BYTES]
    parsed: dict[int, Incoming] = {}
    if whole:
        for uid, data in client.fetch(whole, ["BODY.PEEK[]"]).items():
            raw = data.get(b"BODY[]")
            if raw is not None:
                parsed[uid] = email_parse(raw)
    if big:
        for uid, data in client.fetch(big, ["BODY.PEEK[HEADER]"]).items():
            headers = data.get(b"BODY[HEADER]")
            if headers is not None:
                parsed[uid] = _too_big(headers, sizes[uid])
    return parsed


def _take(folder: str, uid_validity: int, group: list[int], parsed: dict[int, Incoming]) -> int:
    """One batch, one transaction: the cursor locked, the messages it has
    not passed yet taken, the cursor moved past the batch."""
    taken = 0
    with transaction.atomic():
        cursor = ImapCursor.objects.select_for_update().get(folder=folder)
        if cursor.uid_validity != uid_validity:
            return 0  # the folder was renumbered meanwhile; the next read starts over
        # One query for the batch spares a re-read (a new UIDVALIDITY, a run
        # after a crash) the work of taking each message only to be refused.
        ids = [parsed[uid].external_id for uid in group if uid in parsed]
        known = set(
            InboundMessage.objects.filter(channel=Channel.EMAIL, external_id__in=ids).values_list(
                "external_id", flat=True
            )
        )
        for uid in group:
            if uid <= cursor.last_uid or uid not in parsed:
                continue  # another reader took it, or the server lost it meanwhile
            if parsed[uid].external_id in known:
                continue
            try:
                if message_take(parsed[uid]) is not None:
                    taken += 1
            except Exception:
                logger.exception("IMAP folder %s: message UID %s could not be taken", folder, uid)
        cursor.last_uid = max(cursor.last_uid, group[-1])
        cursor.read_at = timezone.now()
        cursor.save(update_fields=["last_uid", "read_at"])
    return taken


def folder_read(
    client: IMAPClient, *, limit: int | None = None, stop: threading.Event | None = None
) -> int:
    """Read the configured folder on this connection (see the module's
    docstring); how many messages were new. `stop` set: it returns after the
    batch in progress."""
    folder = settings.POSVENTA_IMAP_FOLDER or "INBOX"
    status = client.select_folder(folder, readonly=True)
    uid_validity = int(status[b"UIDVALIDITY"])
    last = _cursor(folder, uid_validity).last_uid
    # "n:*" always answers the highest UID, even when it is below n.
    uids = sorted(uid for uid in client.search(["UID", f"{last + 1}:*"]) if uid > last)
    if limit is not None:
        uids = uids[: max(0, limit)]
    taken = 0
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        sizes = {
            uid: int(data.get(b"RFC822.SIZE", 0))
            for uid, data in client.fetch(batch, ["RFC822.SIZE"]).items()
        }
        batch = [uid for uid in batch if uid in sizes]  # expunged meanwhile: gone
        for group in _chunks(batch, sizes):
            if stop is not None and stop.is_set():
                return taken
            parsed = _fetch(client, group, sizes)
            taken += _take(folder, uid_validity, group, parsed)
    if uids:
        logger.info("IMAP folder %s: %s messages read, %s new", folder, len(uids), taken)
    return taken


def _idle_wait(client: IMAPClient, stop: threading.Event, seconds: float) -> None:
    """Wait in IDLE until the server announces mail, `seconds` pass, or
    `stop` is set."""
    deadline = time.monotonic() + seconds
    client.idle()
    try:
        while not stop.is_set() and time.monotonic() < deadline:
            responses = client.idle_check(timeout=1)
            if any(r and r[0] == b"BYE" for r in responses):
                raise ConnectionError(f"IMAP server closed the connection: {responses}")
            if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                break
    except BaseException:  # the connection is likely gone: end IDLE if it can, reconnect
        with contextlib.suppress(Exception):
            client.idle_done()
        raise
    client.idle_done()


def mailbox_watch(
    *,
    stop: threading.Event,
    idle_seconds: float = IDLE_SECONDS,
    poll_seconds: float = POLL_SECONDS,
    backoff_max: float = BACKOFF_MAX_SECONDS,
) -> None:
    """Read the mailbox until `stop` is set: at once, then every time the
    server announces mail in IDLE (re-issued every `idle_seconds`), or every
    `poll_seconds` when it has no IDLE. Errors (the server down, the network
    gone) reconnect after a growing pause, up to `backoff_max` seconds."""
    backoff = 1.0
    while not stop.is_set():
        client = None
        try:
            client = imap_connect()
            idle = client.has_capability("IDLE")
            logger.info("IMAP reader connected (%s)", "IDLE" if idle else "polling")
            while not stop.is_set():
                close_old_connections()
                folder_read(client, stop=stop)
                backoff = 1.0
                if idle:
                    _idle_wait(client, stop, idle_seconds)
                else:
                    stop.wait(poll_seconds)
        except Exception:
            logger.exception("IMAP reader: error, reconnecting in %.0f s", backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, backoff_max)
        finally:
            _logout(client)
            close_old_connections()
    connections.close_all()  # stopped: leave no session behind (the daemon's thread ends)
