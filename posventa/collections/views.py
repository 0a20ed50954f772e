"""Procedure I's screens: the executive's debtors (she calls from here), the
monthly proformas run with its progress bar, and the proformas produced
(listed per month and customer, downloaded)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.accounts.roles import Capability, can, sees_every_portfolio
from posventa.cases.models import Case
from posventa.collections import selectors
from posventa.collections.exports import debtors_xlsx
from posventa.collections.forms import DebtorFilterForm, ProformaFilterForm
from posventa.collections.models import ProformaRun, RunStatus
from posventa.collections.proformas import (
    proforma_months,
    proforma_rows,
    proformas_visible_to,
    run_summary,
)
from posventa.collections.services import collection_call_open, proforma_run_request
from posventa.common.downloads import attachment_response
from posventa.common.exports import wants_xlsx
from posventa.customers.models import Company
from posventa.web.errors import REFUSALS, as_text

PAGE_SIZE = 25


def _allowed(user) -> None:
    if not can(user, Capability.MANAGE_COLLECTIONS):
        raise PermissionDenied(_("Your role does not manage collections."))


@login_required
def debtors(request):
    """Steps 3–4: the customers with overdue invoices, per contract and
    product, with their days overdue and ageing band; the most overdue first.
    Searched by name or NIT, filtered by executive and band, a page at a time."""
    _allowed(request.user)
    today = timezone.localdate()
    every = sees_every_portfolio(request.user)
    form = DebtorFilterForm(request.GET, sees_every_portfolio=every)
    filters = form.filters()
    rows = selectors.debtor_rows(user=request.user, today=today, **filters)
    if wants_xlsx(request):
        return debtors_xlsx(rows, today=today)
    page = Paginator(rows, PAGE_SIZE).get_page(form.page_number())
    every_band = {**filters, "bucket": ""}
    summary = selectors.ageing_summary(
        selectors.debtor_rows(user=request.user, today=today, **every_band), today=today
    )
    query = request.GET.copy()
    query.pop("page", None)
    bands = query.copy()
    bands.pop("bucket", None)
    return render(
        request,
        "collections/debtors.html",
        {
            "form": form,
            "page": page,
            "debtors": selectors.debtors_of(page.object_list, today=today),
            "summary": summary,
            "filters": filters,
            "today": today,
            "sees_every_portfolio": every,
            "querystring": query.urlencode(),
            "bands_querystring": bands.urlencode(),
        },
    )


def _pending_task_url(case: Case):
    task = case.instance.human_tasks.order_by("created_at").first() if case.instance else None
    if task is None:
        return redirect("cases:detail", number=case.number)
    return redirect("cases:task", task_id=task.task_id)


@login_required
@require_POST
def call(request, company_pk: int):
    """Step 5: call the debtor — the collections case of the customer (the open
    one, or a new one), at its pending step."""
    _allowed(request.user)
    company = get_object_or_404(Company.objects.visible_to(request.user), pk=company_pk)
    try:
        case = collection_call_open(company=company, user=request.user).case
    except REFUSALS as error:
        messages.error(request, as_text(error))
        return redirect("collections:debtors")
    return _pending_task_url(case)


def _may_run(user) -> bool:
    return can(user, Capability.MANAGE_COLLECTIONS)


@login_required
def proformas(request):
    """Steps 1–2 on demand: start the month's proformas and watch the progress."""
    _allowed(request.user)
    if request.method == "POST":
        run = proforma_run_request(user=request.user)
        if not getattr(run, "just_created", False):
            messages.info(request, _("This month's run is already under way: follow it below."))
        # No lasting word here: the run's own row says "producing…" while it
        # runs, then what it made (a message would outlive the run).
        return redirect("collections:proformas")
    runs = list(selectors.latest_runs())
    return render(
        request,
        "collections/proformas.html",
        {
            "rows": [_run_row(run) for run in runs],
            "may_run": _may_run(request.user),
        },
    )


def _run_row(run: ProformaRun) -> dict:
    """A run and, once it ended, what it made (`collections/_progress.html`)."""
    return {
        "run": run,
        "summary": run_summary(run) if run.status != RunStatus.RUNNING else None,
    }


@login_required
def run_progress(request, pk: int):
    """The progress row, polled by htmx every second while the run is running;
    the row of a finished run stops the polling and says what it made."""
    _allowed(request.user)
    run = get_object_or_404(ProformaRun, pk=pk)
    return render(request, "collections/_progress.html", _run_row(run))


@login_required
def proforma_list(request):
    """The proformas produced, per month and per customer, a page at a time:
    those of the customers the user may see (an executive, her portfolio)."""
    _allowed(request.user)
    months = proforma_months(user=request.user)
    form = ProformaFilterForm(request.GET, months=months)
    filters = form.filters()
    rows = proforma_rows(user=request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(form.page_number())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "collections/proforma_list.html",
        {
            "form": form,
            "page": page,
            "filters": filters,
            "month_value": f"{filters['period']:%Y-%m}" if filters["period"] else "",
            "querystring": query.urlencode(),
        },
    )


@login_required
def proforma_download(request, pk: int):
    """A proforma's PDF, as a download; another portfolio's answers as missing."""
    _allowed(request.user)
    proforma = get_object_or_404(proformas_visible_to(request.user), pk=pk)
    try:
        content = proforma.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None  # the row outlived its file: missing, not a server error
    name = f"proforma-{proforma.product.service_number}-{proforma.sending.period:%Y-%m}.pdf"
    return attachment_response(content, filename=name, content_type="application/pdf")
