"""Tests' stand-in for the worker after a step commits: documents left
"generating" (cases.document_rendering) are rendered by the worker's own job."""

from posventa.cases.jobs import render_document
from posventa.cases.models import CaseDocument, DocumentStatus


def render_pending(case=None) -> int:
    """Run the render job for each document still generating (of `case`, or
    of every case); returns how many became ready."""
    pending = CaseDocument.objects.filter(status=DocumentStatus.GENERATING)
    if case is not None:
        pending = pending.filter(case=case)
    return sum(render_document(pk) == "ready" for pk in pending.values_list("pk", flat=True))
