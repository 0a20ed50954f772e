"""The import pages: the list of the commercial system's files loaded (and the
upload form), and each file's page — its column mapping, its progress bar,
its dry-run report to confirm, its result. Only the team lead (and the
administrator) load files: `Capability.IMPORT_DATA`; the runs are the
team's, so nothing else scopes them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from posventa.accounts.roles import Capability, can
from posventa.common.downloads import attachment_response
from posventa.imports import selectors, services
from posventa.imports.forms import ColumnMappingForm, ImportUploadForm
from posventa.imports.models import ACTIVE_STATUSES, ImportRun, ImportStatus, RowOutcome
from posventa.imports.sync import needs_attention, with_attention
from posventa.web.errors import add_to_form, as_text

RUNS_PAGE_SIZE = 25
NOTES_PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A person may still stop the run in these states.
CANCELLABLE = (
    ImportStatus.MAPPING,
    ImportStatus.CHECKING,
    ImportStatus.CHECKED,
    ImportStatus.IMPORTING,
)


def _allowed(user) -> None:
    if not can(user, Capability.IMPORT_DATA):
        raise PermissionDenied(_("Your role does not load the commercial system's files."))


def _run(request, pk: int) -> ImportRun:
    _allowed(request.user)
    return get_object_or_404(selectors.import_runs_for(user=request.user), pk=pk)


def _runs_page(request):
    runs = with_attention(selectors.import_runs_for(user=request.user)).select_related(
        "started_by", "confirmed_by"
    )
    runs = runs.order_by("-attention", "-created_at", "-id")
    return Paginator(runs, RUNS_PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def runs(request):
    """The files loaded, the latest first (a daily extract with refused rows
    or that failed, of the last days, before them), and the upload form.
    A file sent is opened (`import_open`) and its page shown."""
    _allowed(request.user)
    form = ImportUploadForm()
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                run = services.import_open(
                    file=form.cleaned_data["file"],
                    user=request.user,
                    entity=form.cleaned_data["entity"] or None,
                    sheet=form.cleaned_data["sheet"],
                )
            except ValidationError as error:
                add_to_form(form, error)
            else:
                return redirect("imports:detail", pk=run.pk)
    return render(
        request,
        "imports/runs.html",
        {"form": form, "page": _runs_page(request), "querystring": ""},
        status=422 if form.errors else 200,
    )


def _notes_page(request, run: ImportRun):
    """The rows the page lists, the refused first, then in the file's order."""
    refused_first = Case(
        When(outcome=RowOutcome.REFUSED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    notes = selectors.run_notes(run=run).order_by(refused_first, "line", "pk")
    return Paginator(notes, NOTES_PAGE_SIZE).get_page(request.GET.get("page"))


def _mapping_form(run: ImportRun, data=None) -> ColumnMappingForm:
    return ColumnMappingForm(
        data,
        headers=selectors.run_headers(run=run),
        fields=selectors.entity_fields(run.entity),
        mapping=run.mapping,
    )


def _counts(values: dict) -> list[tuple[str, str, int]]:
    """(outcome, label, how many) of the dry run, in the order the page shows them."""
    labels = [
        (RowOutcome.CREATED, _("To be created")),
        (RowOutcome.UPDATED, _("To be updated")),
        (RowOutcome.UNCHANGED, pgettext("import rows", "Unchanged")),
        (RowOutcome.REFUSED, pgettext("import rows", "Refused")),
    ]
    return [(str(code), label, int(values.get(code, 0) or 0)) for code, label in labels]


def _done_counts(run: ImportRun) -> list[tuple[str, str, int]]:
    """What the import wrote."""
    return [
        (RowOutcome.CREATED.value, pgettext("import rows", "Created"), run.created),
        (RowOutcome.UPDATED.value, pgettext("import rows", "Updated"), run.updated),
        (RowOutcome.UNCHANGED.value, pgettext("import rows", "Unchanged"), run.unchanged),
        (RowOutcome.REFUSED.value, pgettext("import rows", "Refused"), run.refused),
    ]


def _detail(request, run: ImportRun, *, mapping_form=None, status=200):
    context = {
        "run": run,
        "active": run.status in ACTIVE_STATUSES,
        "cancellable": run.status in CANCELLABLE and not run.cancel_requested,
        "attention": needs_attention(run),
    }
    if run.status == ImportStatus.MAPPING:
        form = mapping_form or _mapping_form(run)
        context |= {"mapping_form": form, "required_fields": form.required_fields}
    if run.status in (
        ImportStatus.CHECKED,
        ImportStatus.DONE,
        ImportStatus.CANCELLED,
        ImportStatus.FAILED,
    ):
        context |= {
            "checked_counts": _counts(run.checked_counts) if run.checked_counts else [],
            "notes": _notes_page(request, run),
            "querystring": "",
        }
    if run.status in (ImportStatus.DONE, ImportStatus.CANCELLED, ImportStatus.FAILED):
        context["done_counts"] = _done_counts(run)
    return render(request, "imports/run.html", context, status=status)


@login_required
@require_GET
def detail(request, pk: int):
    """One file: what to do next, by its state."""
    return _detail(request, _run(request, pk))


@login_required
@require_POST
def map_columns(request, pk: int):
    """The field each header of the file fills: the dry run starts once the
    required ones are all there."""
    run = _run(request, pk)
    if run.status != ImportStatus.MAPPING:
        messages.error(request, _("This file's columns are no longer being mapped."))
        return redirect("imports:detail", pk=run.pk)
    form = _mapping_form(run, request.POST)
    if form.is_valid():
        try:
            services.import_map_columns(run=run, mapping=form.mapping(), user=request.user)
        except ValidationError as error:
            add_to_form(form, error)
        else:
            return redirect("imports:detail", pk=run.pk)
    return _detail(request, run, mapping_form=form, status=422)


def _act(request, pk: int, service) -> ImportRun | None:
    """Run a service on the run; its refusal (a run in another state) is a
    message and nothing changes. The run as the service left it, or None."""
    run = _run(request, pk)
    try:
        return service(run=run, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, as_text(error))
        return None


@login_required
@require_POST
def confirm(request, pk: int):
    """The dry run's report read: write the file's rows."""
    if _act(request, pk, services.import_confirm) is not None:
        messages.success(request, _("The import was confirmed: its rows are being written."))
    return redirect("imports:detail", pk=pk)


@login_required
@require_POST
def cancel(request, pk: int):
    """Stop the file: at once while it waits, or after the batch being read
    or written."""
    run = _act(request, pk, services.import_cancel)
    if run is not None and run.status == ImportStatus.CANCELLED:
        messages.success(request, _("The import was cancelled."))
    elif run is not None:
        messages.success(request, _("The import stops once the batch in course ends."))
    return redirect("imports:detail", pk=pk)


@login_required
@require_GET
def progress(request, pk: int):
    """The progress bar, polled by htmx every second while the run runs. Once
    it has stopped, the whole page is drawn again (its report, its result)."""
    run = _run(request, pk)
    response = render(request, "imports/_progress.html", {"run": run, "poll": True})
    if request.headers.get("HX-Request") and run.status not in ACTIVE_STATUSES:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def report(request, pk: int):
    """The last phase's report: every row, its outcome and its reason (.xlsx)."""
    run = _run(request, pk)
    if not run.report:
        raise Http404(_("This import has no report yet."))
    try:
        content = run.report.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("This import has no report yet.")) from None
    stem = run.original_name.rpartition(".")[0] or run.original_name
    return attachment_response(content, filename=f"informe-{stem}.xlsx", content_type=XLSX)
