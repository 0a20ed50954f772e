"""A real HTTP listener for the tests: http.server on 127.0.0.1, an ephemeral
port, in a thread. It keeps what it received and answers the statuses it is
told to, in turn (200 once they run out)."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float


@dataclass
class Receiver:
    url: str
    requests: list = field(default_factory=list)
    answers: list = field(default_factory=list)  # statuses to give, in turn
    delay: float = 0.0  # seconds before answering


def start() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                receiver.requests.append(
                    Received(self.path, dict(self.headers.items()), body, time.time())
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/else")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_port}/hooks/posventa"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
