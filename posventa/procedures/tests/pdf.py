"""Read a generated PDF back as text, as a person reading it would."""

from io import BytesIO

from pypdf import PdfReader


def pdf_text(document) -> str:
    """The text of a case document's PDF, whitespace collapsed."""
    with document.file.open("rb") as handle:
        reader = PdfReader(BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())
