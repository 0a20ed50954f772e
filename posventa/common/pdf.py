"""PDF documents from HTML templates (WeasyPrint)."""

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()
