"""What the visit calendar's tests share: moments of November 2026 in La Paz
time, and a PDF read back as text."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader

LA_PAZ = ZoneInfo("America/La_Paz")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026, La Paz time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=LA_PAZ)


def pdf_text(response) -> str:
    """The PDF's text as a person reads it, whitespace collapsed."""
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())
