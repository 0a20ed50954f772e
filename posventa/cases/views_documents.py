"""The case page's documents: the block that refreshes itself while one is
being generated, a failed one tried again, and a download asked for before
its file exists."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from posventa.cases import selectors
from posventa.cases.document_rendering import document_retry as retry_service
from posventa.cases.models import Case, CaseDocument


@login_required
@require_GET
def case_documents(request: HttpRequest, number: str) -> HttpResponse:
    """The documents block alone (htmx asks for it every few seconds while a
    document is being generated)."""
    case = get_object_or_404(selectors.cases_visible_to(request.user), number=number)
    return render(request, "cases/_documents_block.html", {"case": case})


@login_required
@require_POST
def document_retry(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """The executive of the customer or the team lead tries a document that
    could not be generated again; the worker renders it after the commit."""
    case = get_object_or_404(
        selectors.cases_visible_to(request.user).select_related("company"), number=number
    )
    document = get_object_or_404(CaseDocument, case=case, pk=pk)
    try:
        retry_service(document=document, user=request.user)
    except PermissionDenied as error:
        raise PermissionDenied(str(error)) from None
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("“%(title)s” is being generated again; it appears here when it is ready.")
            % {"title": document.title},
        )
    if request.headers.get("HX-Request"):
        return render(request, "cases/_documents_block.html", {"case": case})
    return redirect("cases:detail", number=case.number)


def document_not_ready(request: HttpRequest, case: Case, document: CaseDocument) -> HttpResponse:
    """A download asked for while its document has no file yet, or could
    not be generated: a page that says so (409), never a server error."""
    return render(
        request,
        "cases/document_not_ready.html",
        {"case": case, "document": document},
        status=409,
    )
