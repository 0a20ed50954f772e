"""An OSS that opens trouble tickets in Posventa (TMF621) and listens to
their events (TMF688 hub, signed webhooks).

Standard library only. The OSS's token (`manage.py api_token <user>`) comes
from the environment; the receiver listens on LISTEN (host:port) and tells
Posventa to call it back at CALLBACK:

    POSVENTA_URL=https://posventa.example OSS_TOKEN=pv_… \\
    LISTEN=0.0.0.0:8099 CALLBACK=https://oss.example:8099/events \\
    python docs/examples/oss_trouble_tickets.py 1020304050 INT-3926297 "Sin servicio desde ayer"

1. registers a listener on the troubleTicket hub (the answer carries the
   secret that signs every delivery, once);
2. opens a damage ticket for the customer's NIT and service number;
3. prints each event that arrives, after checking its signature and its
   age (a replayed delivery is refused), until it has seen EVENTS events
   (2 by default: the ticket created, then its first step done — each
   event carries the ticket as it stands, its status included) or
   WAIT seconds pass;
4. removes its listener.

docs/api.md and docs/events.md walk through it.
"""

import hashlib
import hmac
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from queue import Empty, Queue
from urllib.error import HTTPError
from urllib.request import Request, urlopen

BASE = os.environ.get("POSVENTA_URL", "http://127.0.0.1:8000").rstrip("/") + "/tmf-api"
TOKEN = os.environ.get("OSS_TOKEN", "")
LISTEN = os.environ.get("LISTEN", "127.0.0.1:8099")
CALLBACK = os.environ.get("CALLBACK", f"http://{LISTEN}/events")
EVENTS = int(os.environ.get("EVENTS", "2"))
WAIT = float(os.environ.get("WAIT", "60"))


def call(method, path, body=None, *, attempts=3):
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    if method == "POST":
        headers["Idempotency-Key"] = str(uuid.uuid4())  # a retry never opens a second ticket
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(1, attempts + 1):
        try:
            with urlopen(Request(BASE + path, data, headers, method=method), timeout=30) as answer:
                raw = answer.read()
                return json.loads(raw) if raw else None
        except HTTPError as refusal:
            if refusal.code == 503 and attempt < attempts:
                # Posventa restarting or its database busy: try again, as it says.
                time.sleep(float(refusal.headers.get("Retry-After") or 1))
                continue
            # TMF630's Error: code, reason and message (in Spanish), status.
            sys.exit(f"{method} {path}: {refusal.code} {refusal.read().decode()}")


def signature_verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """X-Posventa-Signature: t=<unix seconds>,v1=<HMAC-SHA256(secret, "t." + body)>."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        timestamp, given = int(parts["t"]), parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old: a replay
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), given)


def receiver(secret_box: dict, events: Queue) -> HTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            signature = self.headers.get("X-Posventa-Signature", "")
            if not signature_verify(secret_box.get("secret", ""), signature, body):
                self.send_response(401)  # Posventa retries later; a forger gets nothing
                self.end_headers()
                return
            events.put(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    host, port = LISTEN.rsplit(":", 1)
    server = HTTPServer((host, int(port)), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(nit: str, service_number: str, description: str) -> None:
    secret_box: dict = {}
    events: Queue = Queue()
    server = receiver(secret_box, events)
    listener = call(
        "POST",
        "/troubleTicket/v4/hub",
        {
            "callback": CALLBACK,
            "query": "eventType=TroubleTicketCreateEvent,TroubleTicketStatusChangeEvent,"
            "TroubleTicketAttributeValueChangeEvent",
        },
    )
    secret_box["secret"] = listener["secret"]
    print(f"Escuchando ({listener['id']})")
    try:
        ticket = call(
            "POST",
            "/troubleTicket/v4/troubleTicket",
            {
                "description": description,
                "ticketType": "damage",
                "channel": {"id": "phone"},
                "relatedParty": [{"id": nit, "@referredType": "Organization"}],
                "relatedEntity": [{"id": service_number, "@referredType": "Product"}],
            },
        )
        print(f"Ticket {ticket['id']}: {ticket['status']}")
        deadline = time.monotonic() + WAIT
        seen = 0
        while seen < EVENTS and time.monotonic() < deadline:
            try:
                event = events.get(timeout=max(0.1, deadline - time.monotonic()))
            except Empty:
                break
            about = event["event"]["troubleTicket"]
            print(f"  {event['eventType']}: {about['id']} {about.get('status')}")
            seen += 1
        if seen < EVENTS:
            sys.exit(f"Only {seen} of {EVENTS} events arrived in {WAIT:.0f} s")
    finally:
        call("DELETE", f"/troubleTicket/v4/hub/{listener['id']}")
        server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
