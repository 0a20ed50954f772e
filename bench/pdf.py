"""WeasyPrint's own options on the order request (issue 17, "documents off
the click"): what one PDF costs and weighs with each.

The order request of a plan change (procedure B), rendered from the same
parameters the worker gets (`procedures.actions.documents.render_order_request`
does the same work: template, layout, PDF), `BENCH_PDF_SAMPLES` times (40)
after 3 of warm-up per variant:

- the shared font configuration (`posventa.common.pdf`, one per thread)
  against a new `FontConfiguration` per PDF;
- `write_pdf` options that could matter: `full_fonts` (embed whole fonts
  instead of WeasyPrint's subsets), `hinting`, `uncompressed_pdf`,
  `pdf_version`, `pdf_variant` (PDF/A-3b), and `optimize_images` with a
  shared image `cache` (only with a letterhead logo, so measured with one);
- the split of one PDF's time: the template, the layout (`HTML.render`) and
  writing the PDF (`Document.write_pdf`).

Prints p50 / p95 in ms and the file's size per variant. No database: the
render reads none (no signer). Asserts nothing. `python bench/pdf.py`.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

from _harness import ROOT, percentiles

SAMPLES = int(os.environ.get("BENCH_PDF_SAMPLES", "40"))
WARMUP = 3


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "1"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["POSVENTA_VAR_DIR"] = tempfile.mkdtemp(prefix="posventa-bench-pdf-")
    import django

    django.setup()


def params() -> dict:
    """A plan change's order request, as order_request_params keeps it."""
    return {
        "case_id": 1,
        "case": {
            "number": "PV-2026-000123",
            "procedure": "B · Cambio de plan",
            "received_at": "2026-03-02T14:05:00+00:00",
            "channel": "Correo electrónico",
        },
        "company": {
            "legal_name": "Distribuidora Andina del Valle S.R.L.",
            "trade_name": "Andina",
            "nit": "1020304025",
            "address": "Av. Ballivián N° 1234, piso 2",
            "zone": "Zona Central",
        },
        "product": {
            "type": "Internet",
            "service_number": "INT-4451200",
            "plan": "Internet 10 Mbps",
            "monthly_price": "250.00",
        },
        "change": "Cambio de plan: de Internet 10 Mbps (Bs 250,00) a Internet 50 Mbps "
        "(Bs 520,00), desde la próxima factura recurrente.",
        "fee": "0",
        "lines": [],
        "total": None,
        "printed_at": "2026-03-02T15:10:00+00:00",
        "signer_id": None,
    }


def timed(function) -> tuple[list[float], bytes]:
    for _ in range(WARMUP):
        out = function()
    samples = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        out = function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, out


def row(name: str, samples: list[float], size: int | None) -> None:
    p50, p95 = percentiles(samples)
    weight = f"{size / 1024:8.1f} KB" if size is not None else " " * 11
    print(f"  {name:<44} {p50:7.1f} {p95:7.1f}   {weight}")


def logo_png() -> str:
    """A 600 × 200 letterhead logo (PNG), as an operator might configure."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    for x in range(0, 600, 6):
        draw.line([(x, 0), (600 - x, 200)], fill=(13, 59, 102 + x % 150), width=3)
    path = Path(tempfile.mkdtemp(prefix="posventa-bench-logo-")) / "logo.png"
    image.save(path)
    return str(path)


def main() -> None:
    setup()
    from django.conf import settings
    from django.template.loader import render_to_string
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from posventa.common import pdf
    from posventa.procedures.actions import documents

    template_context = {}

    def capture(template: str, context: dict) -> bytes:
        template_context.update(context)
        return b""

    original = documents.render_pdf
    documents.render_pdf = capture
    documents.render_order_request(params())
    documents.render_pdf = original

    def html_string() -> str:
        return render_to_string(
            "procedures/order_request.html", {"letterhead": pdf.letterhead(), **template_context}
        )

    html = html_string()
    shared = pdf._font_config()

    print(f"Order request (procedure B), {SAMPLES} PDFs per variant after {WARMUP} of warm-up")
    print(f"  {'variant':<44} {'p50 ms':>7} {'p95 ms':>7}   {'size':>11}")

    samples, out = timed(lambda: documents.render_order_request(params())[1])
    row("the worker's render (template + PDF), shared", samples, len(out))
    samples, _ = timed(html_string)
    row("  of which the template", samples, None)
    samples, _ = timed(lambda: HTML(string=html).render(font_config=shared))
    row("  of which the layout (HTML.render)", samples, None)
    document = HTML(string=html).render(font_config=shared)
    samples, _ = timed(lambda: document.write_pdf())
    row("  of which writing the PDF", samples, None)

    samples, out = timed(lambda: HTML(string=html).write_pdf(font_config=shared))
    row("shared FontConfiguration (now)", samples, len(out))
    samples, out = timed(lambda: HTML(string=html).write_pdf(font_config=FontConfiguration()))
    row("new FontConfiguration per PDF", samples, len(out))
    for name, options in (
        ("full_fonts=True (no font subsetting)", {"full_fonts": True}),
        ("hinting=True", {"hinting": True}),
        ("uncompressed_pdf=True", {"uncompressed_pdf": True}),
        ('pdf_version="1.7"', {"pdf_version": "1.7"}),
        ('pdf_variant="pdf/a-3b"', {"pdf_variant": "pdf/a-3b"}),
    ):
        samples, out = timed(
            lambda options=options: HTML(string=html).write_pdf(font_config=shared, **options)
        )
        row(name, samples, len(out))

    settings.POSVENTA_OPERATOR_LOGO = logo_png()
    pdf._logo.cache_clear()
    with_logo = html_string()
    print("With a 600 × 200 PNG letterhead logo:")
    samples, out = timed(lambda: HTML(string=with_logo).write_pdf(font_config=shared))
    row("default", samples, len(out))
    samples, out = timed(
        lambda: HTML(string=with_logo).write_pdf(font_config=shared, optimize_images=True)
    )
    row("optimize_images=True", samples, len(out))
    cache: dict = {}
    samples, out = timed(lambda: HTML(string=with_logo).write_pdf(font_config=shared, cache=cache))
    row("shared image cache", samples, len(out))


if __name__ == "__main__":
    main()
