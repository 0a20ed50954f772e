"""PDF documents from HTML templates (WeasyPrint)."""

import threading

from django.template.loader import render_to_string

_local = threading.local()


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


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf(font_config=_font_config())
