"""Screens of the post-sale work: the inbox, a task, a case, opening a case."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from posventa.accounts.roles import Capability, can
from posventa.cases import selectors, views_documents
from posventa.cases import services as cases_services
from posventa.cases.alerts import alert_groups, alerts_mark_all_read
from posventa.cases.exports import inbox_xlsx
from posventa.cases.forms import CaseCancelForm, CaseOpenForm
from posventa.cases.models import CaseDocument, CaseStatus, DocumentKind, Procedure
from posventa.cases.process_hooks import is_true
from posventa.cases.services import alert_mark_read, case_open
from posventa.common.downloads import attachment_response
from posventa.common.exports import wants_xlsx
from posventa.common.forms import query_choice, query_id
from posventa.common.uploads import content_type_for
from posventa.customers.models import Company
from posventa.engine import services as engine
from posventa.engine.models import HumanTask, TaskEvent
from posventa.engine.selectors import instance_path, task_variables
from posventa.engine.templating import render_instructions
from posventa.integrations import selectors as commercial_selectors
from posventa.procedures.collisions import CaseCollision
from posventa.procedures.forms.common import call_card, tel_href
from posventa.web.errors import add_to_form


@login_required
def inbox(request):
    # An unknown code or an id no row can have filters nothing (common/forms.py).
    procedure = query_choice(request.GET, "procedure", Procedure.choices)
    company_id = query_id(request.GET, "company")
    tasks = selectors.inbox(user=request.user, procedure=procedure, company_id=company_id)
    if wants_xlsx(request):
        return inbox_xlsx(tasks)
    rows = [(task, selectors.case_clock(task.instance.case)) for task in tasks[:200]]
    companies = (
        Company.objects.visible_to(request.user)
        .filter(cases__instance__human_tasks__isnull=False)
        .distinct()
        .order_by("legal_name")
    )
    return render(
        request,
        "cases/inbox.html",
        {
            "alert_groups": alert_groups(request.user),
            "rows": rows,
            # Work orders a case waits on: the technical manager closes them.
            "work_orders": selectors.work_orders_to_close(request.user),
            "procedures": Procedure.choices,
            "companies": companies,
            "selected_procedure": procedure,
            "selected_company": company_id,
        },
    )


def _visible_task(request, task_id) -> HumanTask:
    return get_object_or_404(selectors.inbox(user=request.user), task_id=task_id)


@login_required
@require_POST
def task_claim(request, task_id):
    task = _visible_task(request, task_id)
    try:
        engine.task_claim(task_id=task.task_id, user=request.user)
        messages.success(request, _('You took "%(task)s".') % {"task": task.name})
    except engine.EngineError as err:
        messages.error(request, str(err))
    return redirect(_next_or_inbox(request))


def _next_or_inbox(request) -> str:
    """Back to the page the person came from — on this site only, never to an
    address a link elsewhere wrote into the form."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("cases:inbox")


@login_required
@require_POST
def alert_read(request, pk):
    alert = get_object_or_404(selectors.alerts_for(request.user), pk=pk)
    alert_mark_read(alert=alert, user=request.user)
    return redirect("cases:inbox")


@login_required
@require_POST
def alerts_read_all(request):
    """Every warning the user sees, marked read at once; a second click finds none."""
    count = alerts_mark_all_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d warning marked as read.", "%(count)d warnings marked as read.", count
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("There were no unread warnings."))
    return redirect("cases:inbox")


@login_required
@require_POST
def task_release(request, task_id):
    task = _visible_task(request, task_id)
    engine.task_release(task_id=task.task_id, user=request.user)
    messages.success(request, _('"%(task)s" is back in the common inbox.') % {"task": task.name})
    return redirect("cases:inbox")


def _completed_step_case(request, task_id):
    """The answer to a step already completed (a double click, a second tab,
    the back button): a word saying so, on its case's page — when the user may
    see that case; None otherwise (the caller answers as for a missing step)."""
    event = (
        TaskEvent.objects.filter(task_id=task_id, ended_at__isnull=False, cancelled=False)
        .select_related("actor")
        .order_by("-ended_at")
        .first()
    )
    if event is None:
        return None
    case = selectors.cases_visible_to(request.user).filter(instance_id=event.instance_id).first()
    if case is None:
        return None
    messages.info(
        request,
        _("This step was already completed (%(name)s, %(when)s); nothing was done twice.")
        % {
            "name": event.actor.get_full_name() or event.actor.username
            if event.actor
            else _("the system"),
            "when": date_format(localtime(event.ended_at), "SHORT_DATETIME_FORMAT"),
        },
    )
    return redirect("cases:detail", number=case.number)


@login_required
def task_detail(request, task_id):
    # A task completed meanwhile sends back to the inbox with a word; so does
    # one the user may not see (another portfolio, another role), with the
    # same word: the answer never tells that it exists.
    task = selectors.inbox(user=request.user).filter(task_id=task_id).first()
    if task is None:
        done = _completed_step_case(request, task_id)
        if done is not None:
            return done
        messages.info(
            request, _("This task is not pending in your inbox: someone may have completed it.")
        )
        return redirect("cases:inbox")
    case = task.instance.case
    if not engine.may_work_on(request.user, task):
        raise PermissionDenied(_("This task belongs to another person."))
    if request.method == "POST":
        try:
            engine.task_complete(
                task_id=task.task_id, user=request.user, data=request.POST, files=request.FILES
            )
        except engine.FormInvalid as err:
            form = err.form
        except engine.TaskAlreadyCompleted as err:
            # A second click or a second tab waited on the row lock while the
            # first completed the step: nothing ran twice; show the case.
            done = _completed_step_case(request, task_id)
            if done is not None:
                return done
            messages.info(request, str(err))
            return redirect("cases:inbox")
        except ValidationError as err:
            form = engine.task_form(task, request.POST, request.FILES)
            form.is_valid()
            add_to_form(form, err)
        except engine.StepFailed as err:  # e.g. an expression stopped by a bound: nothing saved
            form = engine.task_form(task, request.POST, request.FILES)
            form.is_valid()
            form.add_error(None, str(err))
        else:
            next_steps = case.instance.human_tasks.all()
            if next_steps:
                names = ", ".join(f"{t.name} ({t.get_role_label()})" for t in next_steps)
                messages.success(request, _("Step completed. Next: %(next)s.") % {"next": names})
            else:
                case.refresh_from_db()
                messages.success(
                    request,
                    _("Step completed. Case %(number)s is %(status)s.")
                    % {"number": case.number, "status": case.get_status_display().lower()},
                )
            return redirect("cases:inbox")
    else:
        engine.task_taken(task=task)  # opened by someone who may do it: work starts
        form = engine.task_form(task)
    variables = task_variables(task)
    # What the step needs at hand: whom to call on a call step, the work
    # order the process follows (procedures/forms/common.py).
    work_order = getattr(form, "shown_work_order", None)
    return render(
        request,
        "cases/task.html",
        {
            "task": task,
            "case": case,
            "form": form,
            "instructions": render_instructions(task.instructions, variables),
            "timeline": selectors.case_timeline(case),
            "clock": selectors.case_clock(case),
            "call": call_card(case) if getattr(form, "calls_customer", False) else None,
            # Completing it tells the customer, in her words (channels.notify).
            "informs_customer": is_true(task.properties.get("informs_customer")),
            "work_order": work_order,
            "work_order_link": work_order is not None
            and can(request.user, Capability.VIEW_WORK_ORDERS),
            "work_order_tel": tel_href(work_order.reference_phone) if work_order else "",
        },
    )


@login_required
def case_detail(request, number):
    case = get_object_or_404(
        selectors.cases_visible_to(request.user).select_related(
            "company__executive", "product__plan", "instance__version", "opened_by"
        ),
        number=number,
    )
    path = instance_path(case.instance) if case.instance else {"done": [], "current": []}
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "timeline": selectors.case_timeline(case),
            "clock": selectors.case_clock(case),
            "next_move": selectors.case_next_move(case, request.user),
            "may_cancel": cases_services.may_cancel(request.user, case),
            "commercial_changes": commercial_selectors.case_changes(case),
            "diagram": {
                "xml": case.instance.version.diagram_xml if case.instance else "",
                "done": path["done"],
                "current": path["current"],
            },
        },
    )


@login_required
def case_cancel(request, number):
    """The team lead or the division head ends an open case, with a reason:
    a confirmation page (what is pending, what the case set going), then
    the case closes as cancelled. Bad input changes nothing."""
    case = get_object_or_404(
        selectors.cases_visible_to(request.user).select_related("company", "instance"),
        number=number,
    )
    if not can(request.user, Capability.CANCEL_CASES):
        raise PermissionDenied(_("Only the team lead and the division head cancel a case."))
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if case.status == CaseStatus.CLOSED:
        messages.info(request, _("Case %(number)s is already closed.") % {"number": case.number})
        return redirect("cases:detail", number=case.number)
    form = CaseCancelForm(request.POST or None, initial={"channel": case.channel})
    if request.method == "POST" and form.is_valid():
        try:
            cases_services.case_cancel(
                case=case,
                user=request.user,
                reason=form.cleaned_data["reason"],
                channel=form.cleaned_data["channel"],
            )
        except ValidationError as err:
            add_to_form(form, err)
        except engine.EngineError as err:  # closed meanwhile: nothing changed
            messages.info(request, str(err))
            return redirect("cases:detail", number=case.number)
        else:
            messages.success(
                request,
                _("Case %(number)s is cancelled; the customer's interaction is recorded.")
                % {"number": case.number},
            )
            return redirect("cases:detail", number=case.number)
    return render(
        request,
        "cases/cancel.html",
        {
            "case": case,
            "form": form,
            "pending": case.instance.human_tasks.all() if case.instance else [],
            "loose_ends": cases_services.loose_ends(case),
        },
    )


@login_required
def case_document(request, number, pk):
    case = get_object_or_404(selectors.cases_visible_to(request.user), number=number)
    document = get_object_or_404(CaseDocument, case=case, pk=pk)
    if not document.is_ready:  # rendered by the worker after its step: not yet, or failed
        return views_documents.document_not_ready(request, case, document)
    name = document.file.name.rsplit("/", 1)[-1]
    try:
        content = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None  # the row outlived its file: missing, not a server error
    # The stored extension is the kind detected at upload (common/uploads.py).
    return attachment_response(content, filename=name, content_type=content_type_for(name))


OPEN_REQUESTS_SHOWN = 10


@login_required
def case_new(request, company_pk):
    company = get_object_or_404(Company.objects.visible_to(request.user), pk=company_pk)
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = CaseOpenForm(
        request.POST or None,
        request.FILES or None,
        company=company,
        initial=request.GET.dict(),
        reload_url=request.path,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_open(
                company=company,
                procedure=data["procedure"],
                channel=data["channel"],
                subject=data["subject"],
                description=data["description"],
                product=data["product"],
                user=request.user,
                documents=[(DocumentKind.OTHER, f) for f in data["documents"]],
                acknowledge_open_cases=form.acknowledged,
            )
        except CaseCollision as err:
            if err.refused:
                # Refused at the door: the person lands on the open case.
                messages.error(request, err.message())
                refused = next(c for c in err.collisions if c.refused)
                return redirect("cases:detail", number=refused.case.number)
            form.show_collisions(err.collisions, unacknowledged=True)
        except ValidationError as err:
            add_to_form(form, err)
        except engine.StepFailed as err:  # its process could not start: nothing saved
            form.add_error(None, str(err))
        else:
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect("cases:detail", number=case.number)
    # The customer's requests still open, whatever their product: the person
    # sees what is under way before registering another (the collision check
    # warns per product; this is the customer's list).
    still_open = (
        selectors.cases_visible_to(request.user)
        .filter(company=company)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("product")
        .order_by("-received_at")
    )
    return render(
        request,
        "cases/case_new.html",
        {
            "company": company,
            "form": form,
            "open_requests": still_open[:OPEN_REQUESTS_SHOWN],
            "open_requests_count": still_open.count(),
        },
    )
