"""A step that needs a document the worker renders after an earlier step.

A user task whose BPMN says `needs_documents` (document kinds, separated by
commas: `order_request`) cannot be completed while such a document of its
case is still being generated or could not be generated: the person is told
to wait a moment, or that the team must try it again (docs/documents.md).
Where no later step reads the file, the procedure does not wait at all."""

from django import forms
from django.utils.translation import gettext as _

from posventa.cases.models import DocumentStatus

NEEDS_DOCUMENTS = "needs_documents"


def needed_kinds(task) -> list[str]:
    """The document kinds the user task names in `needs_documents`."""
    if task is None:
        return []
    value = str(task.properties.get(NEEDS_DOCUMENTS, "") or "")
    return [kind.strip() for kind in value.split(",") if kind.strip()]


class NeedsDocuments:
    """Mixin for a CaseTaskForm (before it in the bases): refuses the step
    while a document its task needs has no file yet, or failed."""

    def clean(self):
        cleaned = super().clean()
        kinds = needed_kinds(self.task)
        if not kinds or self.case is None:
            return cleaned
        missing = (
            self.case.documents.filter(kind__in=kinds)
            .exclude(status=DocumentStatus.READY)
            .order_by("created_at", "pk")
        )
        for document in missing:
            if document.status == DocumentStatus.GENERATING:
                message = _(
                    "“%(title)s” is still being generated: wait a few seconds and send this "
                    "step again."
                )
            else:
                message = _(
                    "“%(title)s” could not be generated: the customer's executive or the team "
                    "lead tries it again from the case page, then send this step."
                )
            raise forms.ValidationError(
                message % {"title": document.title}, code="document_not_ready"
            )
        return cleaned
