"""The technical manager's screens: the list of work orders and one order,
with the forms to assign and close it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.accounts.roles import Capability, can
from posventa.common.exports import wants_xlsx
from posventa.engine.services import EngineError
from posventa.web.errors import add_to_form
from posventa.workorders import selectors
from posventa.workorders.exports import work_orders_xlsx
from posventa.workorders.forms import AssignForm, CloseForm, WorkOrderFilterForm
from posventa.workorders.rules import closing_states, may_assign
from posventa.workorders.services import workorder_assign, workorder_close

PAGE_SIZE = 50


def _allowed(request, capability: Capability) -> None:
    if not can(request.user, capability):
        raise PermissionDenied(_("Your role does not follow work orders."))


def _work_order(request, number):
    work_order = selectors.work_order_for(user=request.user, number=number)
    if work_order is None:
        raise Http404(_("No such work order."))
    return work_order


@login_required
def work_order_list(request):
    _allowed(request, Capability.VIEW_WORK_ORDERS)
    filters = WorkOrderFilterForm(request.GET or None)
    state = filters.selected_state()
    orders = selectors.work_orders_for(user=request.user, state=state)
    if wants_xlsx(request):
        return work_orders_xlsx(orders)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workorders/list.html",
        {"filters": filters, "page": page, "state": state, "querystring": query.urlencode()},
    )


def _detail(request, work_order, *, assign_form=None, close_form=None, status=200):
    # A visit of the shared calendar is moved and closed there (procedure L).
    calendar_visit = getattr(work_order, "visit", None)
    manages = can(request.user, Capability.MANAGE_WORK_ORDERS) and calendar_visit is None
    if manages and assign_form is None and may_assign(state=work_order.state):
        assign_form = AssignForm(work_order=work_order)
    closable = closing_states(kind=work_order.kind, state=work_order.state)
    if manages and close_form is None and closable:
        close_form = CloseForm(work_order=work_order)
    return render(
        request,
        "workorders/detail.html",
        {
            "work_order": work_order,
            "calendar_visit": calendar_visit,
            "changes": work_order.changes.select_related("by"),
            "prioritisations": work_order.prioritisations.select_related("case", "recorded_by"),
            "assign_form": assign_form if manages else None,
            "close_form": close_form if manages and closable else None,
        },
        status=status,
    )


@login_required
def work_order_detail(request, number):
    _allowed(request, Capability.VIEW_WORK_ORDERS)
    return _detail(request, _work_order(request, number))


@login_required
@require_POST
def work_order_assign(request, number):
    _allowed(request, Capability.MANAGE_WORK_ORDERS)
    work_order = _work_order(request, number)
    form = AssignForm(request.POST, work_order=work_order)
    if form.is_valid():
        try:
            workorder_assign(work_order=work_order, user=request.user, **form.cleaned_data)
        except ValidationError as err:
            add_to_form(form, err)
        else:
            messages.success(
                request,
                _("Work order %(number)s assigned to %(technician)s.")
                % {"number": work_order.number, "technician": form.cleaned_data["technician"]},
            )
            return redirect("workorders:detail", number=work_order.number)
    return _detail(request, work_order, assign_form=form, status=422)


@login_required
@require_POST
def work_order_close(request, number):
    _allowed(request, Capability.MANAGE_WORK_ORDERS)
    work_order = _work_order(request, number)
    form = CloseForm(request.POST, work_order=work_order)
    if form.is_valid():
        try:
            closing = workorder_close(work_order=work_order, user=request.user, **form.cleaned_data)
        except ValidationError as err:
            add_to_form(form, err)
        except EngineError as err:  # the waiting process could not advance: nothing was saved
            form.add_error(None, str(err))
        else:
            if closing.process_moved:
                messages.success(request, closing.notice)
            else:
                messages.warning(request, closing.notice)
            return redirect("workorders:detail", number=work_order.number)
    return _detail(request, work_order, close_form=form, status=422)
