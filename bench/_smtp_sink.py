"""A mail server for the load and fault runs: it speaks enough SMTP for
Django's SMTP backend, keeps nothing but one JSON line per accepted message
(its Message-ID, subject and recipients) and can be slowed down, so that a
worker can be killed in the middle of a conversation.

`python bench/_smtp_sink.py PORT RECORD.jsonl [DELAY_SECONDS]` serves until
killed. `messages(RECORD)` reads what it accepted.
"""

import asyncio
import email
import email.policy
import json
import sys
from email.header import decode_header, make_header
from pathlib import Path


def messages(record: Path) -> list[dict]:
    """What the server accepted, the subjects decoded (the record keeps the
    raw header: RFC 2047 words, folded)."""
    if not record.exists():
        return []
    out = []
    for line in record.read_text().splitlines():
        if line.strip():
            message = json.loads(line)
            raw = " ".join(message["subject"].split())
            message["subject"] = str(make_header(decode_header(raw)))
            out.append(message)
    return out


async def _session(reader, writer, record: Path, delay: float) -> None:
    async def send(line: str) -> None:
        writer.write(f"{line}\r\n".encode())
        await writer.drain()

    await send("220 sink ESMTP")
    recipients: list[str] = []
    while True:
        line = await reader.readline()
        if not line:
            break
        command = line.decode("utf-8", "replace").strip()
        verb = command.split(" ", 1)[0].upper()
        if verb in ("EHLO", "HELO"):
            await send("250 sink")
        elif verb == "MAIL":
            recipients = []
            await send("250 OK")
        elif verb == "RCPT":
            recipients.append(command.split(":", 1)[-1].strip(" <>"))
            await send("250 OK")
        elif verb == "DATA":
            await send("354 go on")
            body = bytearray()
            while True:
                chunk = await reader.readline()
                if not chunk or chunk in (b".\r\n", b".\n"):
                    break
                body += chunk[1:] if chunk.startswith(b"..") else chunk
            if delay:
                await asyncio.sleep(delay)  # a slow server: the window a kill can fall in
            message = email.message_from_bytes(bytes(body), policy=email.policy.compat32)
            with record.open("a") as out:
                out.write(
                    json.dumps(
                        {
                            "message_id": message.get("Message-ID", ""),
                            "subject": str(message.get("Subject", "")),
                            "to": recipients,
                            "bytes": len(body),
                        }
                    )
                    + "\n"
                )
            await send("250 accepted")
        elif verb == "QUIT":
            await send("221 bye")
            break
        else:  # RSET, NOOP…
            await send("250 OK")
    writer.close()


async def _serve(port: int, record: Path, delay: float) -> None:
    server = await asyncio.start_server(
        lambda r, w: _session(r, w, record, delay), "127.0.0.1", port
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(
        _serve(int(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0)
    )
