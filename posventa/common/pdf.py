"""PDF documents from HTML templates (WeasyPrint), on one paper size (Letter)
and under one letterhead: the operator's name and logo from the settings
(POSVENTA_OPERATOR_NAME, POSVENTA_OPERATOR_LOGO). Each document's template
includes `pdf/_page_style.html` in its style and `pdf/_letterhead.html` at
the top of its body."""

import base64
import functools
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

_local = threading.local()

# The logo's kind, judged by its first bytes (never by its name).
_LOGO_KINDS = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
_LOGO_MAX_BYTES = 512 * 1024


def _font_config():
    """One WeasyPrint font configuration per thread, kept: a new one per PDF
    keeps ~0.2 MB alive per document — 2.3 GB for the 10 000 proformas of a
    month (bench/proformas.py). Per thread because WeasyPrint does not say
    it may be shared between threads."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


@functools.cache
def _logo(path: str) -> str:
    """The logo as a data: address, or "" when it is missing, too large or
    not a PNG, JPEG or SVG (said once in the log, the documents go on)."""
    if not path:
        return ""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        logger.warning("POSVENTA_OPERATOR_LOGO cannot be read: %s", error)
        return ""
    kind = next((mime for magic, mime in _LOGO_KINDS if data.startswith(magic)), "")
    if not kind and b"<svg" in data[:2048]:
        kind = "image/svg+xml"
    if not kind or len(data) > _LOGO_MAX_BYTES:
        logger.warning("POSVENTA_OPERATOR_LOGO is not a PNG, JPEG or SVG under 512 KB: ignored")
        return ""
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def letterhead() -> dict[str, str]:
    """What every PDF's letterhead prints: the operator's name and its logo."""
    return {"name": settings.POSVENTA_OPERATOR_NAME, "logo": _logo(settings.POSVENTA_OPERATOR_LOGO)}


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    html = render_to_string(template, {"letterhead": letterhead(), **context})
    return HTML(string=html).write_pdf(font_config=_font_config())
