"""Screenshots of the main pages, for docs/screens/ (before and after a change).

Run against a server with the demo loaded (`make run`, or any address):

    python tools/screens.py http://127.0.0.1:8000 docs/screens/after

Each page is shot at 1280 px (desktop) and, for the everyday pages, at 390 px
(phone), as the demo's users of each role see it. The PNGs are reduced to a
64-colour palette so the set stays a few hundred KB.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

PASSWORD = "posventa2026"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# (file name, user, how to reach the page, also on a phone)
PAGES: list[tuple[str, str, str, bool]] = [
    ("inbox-executive", "ejecutiva", "/bandeja/", True),
    ("case-page", "ejecutiva", "first-case", True),
    ("customer-page", "ejecutiva", "first-customer", True),
    ("new-request", "ejecutiva", "new-request", False),
    ("inbox-technical-manager", "gestor_tecnico", "/bandeja/", False),
    ("dashboard", "responsable", "/indicadores/", True),
    ("time-spent", "responsable", "/indicadores/tiempos/", False),
    ("calendar", "responsable", "/visitas/", False),
    ("debtors", "ejecutiva", "/cobranza/", False),
]


def _first_link(page, base: str, listing: str, pattern: str) -> str:
    page.goto(base + listing)
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if re.fullmatch(pattern, href or ""):
            return href
    raise SystemExit(f"No link like {pattern} on {listing}")


def _reach(page, base: str, how: str) -> None:
    if how == "first-case":
        page.goto(base + _first_link(page, base, "/bandeja/", r"/casos/[^/]+/"))
    elif how == "first-customer":
        page.goto(base + _first_link(page, base, "/clientes/", r"/clientes/\d+/"))
    elif how == "new-request":
        customer = _first_link(page, base, "/clientes/", r"/clientes/\d+/")
        page.goto(base + customer + "casos/nuevo/")
    else:
        page.goto(base + how)
    page.wait_for_load_state("networkidle")


def _save(png: bytes, path: Path) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(base: str, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"))
        for name, user, how, phone in PAGES:
            for label, viewport in [("desktop", DESKTOP)] + ([("phone", PHONE)] if phone else []):
                context = browser.new_context(viewport=viewport, locale="es-BO")
                page = context.new_page()
                page.goto(base + "/entrar/")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                _reach(page, base, how)
                _save(page.screenshot(), out / f"{name}-{label}.png")
                context.close()
        browser.close()
    total = sum(f.stat().st_size for f in out.iterdir())
    print(f"{len(list(out.iterdir()))} screenshots, {total // 1024} KB in {out}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
