"""Documents the worker renders after the step commits (docs/documents.md).

A step whose service task prints a document (the order request) does not wait
for WeasyPrint: `document_render_later` keeps the document "generating", with
what to print (a renderer's name and its parameters, plain values taken at the
click), and enqueues the render for after the commit — a step rolled back
renders nothing. The worker's `document_render` then stores the file and marks
it ready.

Nothing is lost: a render that raises is tried again with a growing pause
(`BACKOFF`) up to `MAX_ATTEMPTS`, then the document is "failed" on the case page
and the team lead gets an alert; a render whose worker died (no outcome at
all) is enqueued again by `documents_sweep` once its lease is over. The team
may try a failed one again (`document_retry`).

Renders run outside any transaction: on SQLite a transaction holds the whole
database's write lock, and a render takes tens of milliseconds. The short
transactions around it (claim, store) lock the document's row, so two runs of
the same job store the file once.
"""

import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.cases.models import Alert, Case, CaseDocument, DocumentStatus
from posventa.common.queue import enqueue
from posventa.common.services import clean_own_fields, database_refusal

logger = logging.getLogger(__name__)

# A render that fails for a passing reason (a worker short of memory, the
# database or the file storage busy) succeeds on a later try; one that fails
# four times over about twenty minutes needs a person (a template or data
# error): the team lead is told, and the team may try again from the case.
MAX_ATTEMPTS = 4
# The pause after the 1st, 2nd, 3rd failed attempt.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=4), timedelta(minutes=15))
# How long one attempt may hold the document: longer than the worker's task
# timeout (Q_CLUSTER["timeout"], 300 s), after which django-q2 has killed it.
# An attempt with no outcome after this is a dead worker's: the sweeper
# enqueues the document again.
RENDER_LEASE = timedelta(minutes=6)
# Documents the sweeper enqueues per run: a run stays short whatever piled up.
SWEEP_BATCH = 200
# The job's own timeout in the worker (a PDF takes well under a second).
JOB_TIMEOUT = 120
ERROR_MAX_LENGTH = CaseDocument._meta.get_field("last_error").max_length

Renderer = Callable[[dict], tuple[str, bytes]]
RENDERERS: dict[str, Renderer] = {}


def register_renderer(name: str) -> Callable[[Renderer], Renderer]:
    """Register a function that turns a document's parameters into its file
    name and bytes; it must print the same thing whenever it runs."""

    def register(function: Renderer) -> Renderer:
        RENDERERS[name] = function
        return function

    return register


def _enqueue(document_id: int) -> None:
    """The render job, for after the caller's transaction commits
    (`common.queue.enqueue`: with the queue in the database its row is
    written inside the step's transaction)."""
    enqueue("posventa.cases.jobs.render_document", document_id, timeout=JOB_TIMEOUT)


def _plain(params: dict) -> dict:
    """The parameters as JSON keeps them: anything else (a model, a Decimal,
    a datetime) would print differently later, so it is refused here."""
    try:
        plain = json.loads(json.dumps(params))
    except TypeError as error:
        raise ValueError(f"render parameters must be plain values: {error}") from None
    if plain != params:
        raise ValueError("render parameters must be plain values (str keys, lists, numbers)")
    return plain


def document_render_later(
    *, case: Case, kind: str, title: str, renderer: str, params: dict, user=None
) -> CaseDocument:
    """Keep a generated document with the case, "generating", and render it
    after the caller's transaction commits (inside a step: the step's, with
    no savepoint of its own: two inserts, the document and its job)."""
    if renderer not in RENDERERS:
        raise ValueError(f"unknown renderer: {renderer}")
    document = CaseDocument(
        case=case,
        kind=kind,
        title=title,
        generated=True,
        uploaded_by=user,
        status=DocumentStatus.GENERATING,
        renderer=renderer,
        params=_plain(params),
        next_attempt_at=timezone.now() + RENDER_LEASE,
    )
    clean_own_fields(document)  # the case and the user are the caller's rows
    with database_refusal(CaseDocument):
        document.save(force_insert=True)
    _enqueue(document.pk)
    return document


def _claim(document_id: int) -> CaseDocument | None:
    """Start one attempt, or None when there is nothing to do: the document is
    ready or failed, or another attempt holds it, or its pause is not over."""
    now = timezone.now()
    with transaction.atomic():
        document = CaseDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status != DocumentStatus.GENERATING:
            return None
        if document.attempts and document.next_attempt_at and document.next_attempt_at > now:
            return None
        if document.attempts >= MAX_ATTEMPTS:
            # Every attempt so far ended with no outcome: workers died in it.
            _give_up(document, document.last_error or _("the worker stopped while rendering it"))
            return None
        document.attempts += 1
        document.next_attempt_at = now + RENDER_LEASE
        document.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
        return document


def _give_up(document: CaseDocument, error: str) -> None:
    """Mark the (locked) document failed and tell the team lead."""
    document.status = DocumentStatus.FAILED
    document.last_error = error[:ERROR_MAX_LENGTH]
    document.next_attempt_at = None
    document.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
    case = document.case
    message = _(
        "Case %(number)s (%(company)s): the document “%(title)s” could not be generated "
        "after %(attempts)s attempts. Try again from the case page."
    ) % {
        "number": case.number,
        "company": case.company,
        "title": document.title,
        "attempts": document.attempts,
    }
    Alert.objects.create(case=case, role=Role.TEAM_LEAD, message=message[:300])


def _short(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:ERROR_MAX_LENGTH]


def _record_failure(document_id: int, error: Exception) -> str:
    with transaction.atomic():
        document = (
            CaseDocument.objects.select_for_update()
            .select_related("case__company")
            .filter(pk=document_id)
            .first()
        )
        if document is None or document.status != DocumentStatus.GENERATING:
            return "skipped"
        if document.attempts >= MAX_ATTEMPTS:
            _give_up(document, _short(error))
            return "failed"
        document.last_error = _short(error)
        pause = BACKOFF[min(document.attempts, len(BACKOFF)) - 1]
        document.next_attempt_at = timezone.now() + pause
        document.save(update_fields=["last_error", "next_attempt_at", "updated_at"])
        return "retrying"


def _store(document_id: int, name: str, content: bytes) -> str:
    with transaction.atomic():
        document = CaseDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status != DocumentStatus.GENERATING:
            return "skipped"  # another run stored it first
        document.file.save(name, ContentFile(content), save=False)
        document.status = DocumentStatus.READY
        document.rendered_at = timezone.now()
        document.last_error = ""
        document.next_attempt_at = None
        document.save(
            update_fields=[
                "file",
                "status",
                "rendered_at",
                "last_error",
                "next_attempt_at",
                "updated_at",
            ]
        )
        return "ready"


def document_render(document_id: int) -> str:
    """The worker's job: render one document. Returns "ready", "retrying",
    "failed" or "skipped" (nothing to do: already ready, say, after a re-run)."""
    document = _claim(document_id)
    if document is None:
        return "skipped"
    try:
        renderer = RENDERERS[document.renderer]
        name, content = renderer(document.params)
    except Exception as error:  # any render error is retried, then shown on the case
        logger.exception("Rendering document %s (%s) failed", document_id, document.renderer)
        return _record_failure(document_id, error)
    return _store(document_id, name, content)


def documents_sweep() -> dict:
    """Enqueue again every document still generating whose next attempt is
    due: after a failed attempt's pause, or when its worker died in it."""
    due = list(
        CaseDocument.objects.filter(
            status=DocumentStatus.GENERATING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    with transaction.atomic():  # the jobs' rows in one write (ORM broker)
        for document_id in due:
            _enqueue(document_id)
    return {"enqueued": len(due)}


def may_retry(user, case: Case) -> bool:
    """The team tries a failed document again: the executive whose portfolio
    holds the customer, and the team lead."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role == Role.TEAM_LEAD:
        return True
    return user.role == Role.EXECUTIVE and case.company.executive_id == user.pk


@transaction.atomic
def document_retry(*, document: CaseDocument, user) -> CaseDocument:
    """A failed document goes back to "generating" with a fresh count of
    attempts, and is rendered after the commit."""
    if not may_retry(user, document.case):
        raise PermissionDenied(
            _("Only the executive of this customer and the team lead try a document again.")
        )
    document = CaseDocument.objects.select_for_update().get(pk=document.pk)
    if document.status != DocumentStatus.FAILED:
        raise ValidationError(_("Only a document that could not be generated is tried again."))
    document.status = DocumentStatus.GENERATING
    document.attempts = 0
    document.next_attempt_at = timezone.now() + RENDER_LEASE
    document.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    _enqueue(document.pk)
    return document
