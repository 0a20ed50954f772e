"""Smoke test of a running production instance over real HTTP (bin/smoke).

Talks to gunicorn as the TLS proxy does: `X-Forwarded-Proto: https`, so the
Secure cookies, HSTS and the HTTPS redirect are the ones a browser would meet.
Standard library only; exits non-zero with the first thing that is wrong.
"""

import argparse
import http.client
import json
import re
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

PASSWORD = "posventa2026"  # the demo's


class Site:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, body=None, headers=None, https=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Encoding": "identity"}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                check(morsel["secure"], f"cookie {name} is not Secure")
                self.cookies[name] = morsel.value
        conn.close()
        return response, content


def check(condition, message):
    if not condition:
        print(f"SMOKE FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def ok(message):
    print(f"  ok  {message}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--case", required=True)
    parser.add_argument("--document", required=True)
    args = parser.parse_args()
    site = Site(args.port)

    # The server may still be starting.
    deadline = time.monotonic() + 60
    while True:
        try:
            response, body = site.request("GET", "/health/live", https=False)
            break
        except OSError:
            check(time.monotonic() < deadline, "gunicorn did not answer within 60 s")
            time.sleep(0.5)
    check(response.status == 200 and json.loads(body) == {"status": "ok"}, "liveness")
    ok("liveness /health/live")

    # Ready once the worker (on Redis) has run its first heartbeat job.
    deadline = time.monotonic() + 120
    while True:
        response, body = site.request("GET", "/health/ready", https=False)
        if response.status == 200:
            break
        check(time.monotonic() < deadline, f"never ready: {body.decode()}")
        time.sleep(2)
    check(json.loads(body)["checks"]["worker"] == "ok", "readiness")
    ok(f"readiness /health/ready {body.decode()}")

    response, _ = site.request("GET", "/entrar/", https=False)
    check(
        response.status == 301 and response.headers["Location"].startswith("https://"),
        "plain HTTP is not redirected to HTTPS",
    )
    ok("plain HTTP redirected to HTTPS")

    response, body = site.request("GET", "/entrar/")
    check(response.status == 200, f"login page answered {response.status}")
    headers = response.headers
    check("max-age=" in (headers["Strict-Transport-Security"] or ""), "no HSTS")
    check("script-src 'self'" in (headers["Content-Security-Policy"] or ""), "no CSP")
    check(headers["X-Content-Type-Options"] == "nosniff", "no nosniff")
    check(re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"] or ""), "no request id")
    ok("login page with HSTS, CSP, nosniff, a request id and Secure cookies")

    html = body.decode()
    static = re.search(r'src="(/static/web/app\.[0-9a-f]{12}\.js)"', html)
    check(static, "the page does not link the hashed (manifest) app.js")
    response, _ = site.request("GET", static.group(1), headers={"Accept-Encoding": "gzip"})
    check(response.status == 200, f"static file answered {response.status}")
    check(response.headers["Content-Encoding"] in ("gzip", "br"), "static file not compressed")
    check("immutable" in (response.headers["Cache-Control"] or ""), "static file not cacheable")
    ok(f"static file {static.group(1)} compressed and cacheable")

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    origin = f"https://127.0.0.1:{args.port}"
    response, _ = site.request(
        "POST",
        "/entrar/",
        body=urlencode(
            {"username": args.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": f"{origin}/entrar/",
        },
    )
    check(response.status == 302 and "sessionid" in site.cookies, "login did not succeed")
    ok(f"logged in as {args.username}")

    response, body = site.request("GET", "/bandeja/")
    check(response.status == 200 and "Bandeja" in body.decode(), "inbox")
    ok("inbox")

    response, body = site.request("GET", f"/casos/{args.case}/")
    check(response.status == 200 and args.case in body.decode(), "case page")
    ok(f"case page {args.case}")

    response, body = site.request("GET", f"/casos/{args.case}/documentos/{args.document}/")
    check(response.status == 200 and body.startswith(b"%PDF"), "document download")
    check(
        (response.headers["Content-Disposition"] or "").startswith("attachment"),
        "document not sent as an attachment",
    )
    check(response.headers["X-Content-Type-Options"] == "nosniff", "document without nosniff")
    ok(f"document {args.document} downloaded as an attachment ({len(body)} bytes)")

    response, body = site.request("GET", "/no-existe/")
    check(response.status == 404 and b"Traceback" not in body, "404 page leaks")
    ok("unknown page is a plain 404")


if __name__ == "__main__":
    main()
