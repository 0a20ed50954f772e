"""The worker's jobs for cases."""

from posventa.cases.document_rendering import document_render, documents_sweep
from posventa.cases.watch import attention_watch, orphan_watch


def watch_attention() -> dict:
    return attention_watch()


def watch_orphans() -> dict:
    return orphan_watch()


def render_document(document_id: int) -> str:
    """Render one case document enqueued after its step committed."""
    return document_render(document_id)


def sweep_documents() -> dict:
    """Enqueue again the documents still generating whose attempt is due."""
    return documents_sweep()
