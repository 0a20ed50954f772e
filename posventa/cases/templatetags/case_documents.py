"""The case page's documents block, the same on the page and in its own
refresh (views_documents.case_documents)."""

from django import template

from posventa.cases.document_rendering import may_retry
from posventa.cases.models import DocumentStatus

register = template.Library()

# How often the block asks again while a document is being generated: a
# render takes well under a second once the worker has it.
REFRESH_SECONDS = 3


@register.inclusion_tag("cases/_documents.html", takes_context=True)
def case_documents(context, case) -> dict:
    request = context.get("request")
    documents = list(case.documents.all())
    return {
        "case": case,
        "documents": documents,
        "generating": any(d.status == DocumentStatus.GENERATING for d in documents),
        "may_retry": request is not None and may_retry(request.user, case),
        "refresh_seconds": REFRESH_SECONDS,
        "csrf_token": context.get("csrf_token"),
    }
