"""The claims screens: the list of billing complaints and one complaint, with
the form UTAR's answer is recorded on (by the commercial manager or the team
lead: UTAR's people are not users)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.accounts.roles import Capability, can
from posventa.claims import selectors
from posventa.claims.exports import complaints_xlsx
from posventa.claims.forms import AnswerForm, ComplaintFilterForm
from posventa.claims.services import complaint_record_answer
from posventa.common.exports import wants_xlsx
from posventa.engine.services import EngineError
from posventa.web.errors import add_to_form

PAGE_SIZE = 50


def _complaint(request, pk):
    complaint = selectors.complaint_for(user=request.user, pk=pk)
    if complaint is None:
        raise Http404(_("No such complaint."))
    return complaint


@login_required
def complaint_list(request):
    filters = ComplaintFilterForm(request.GET or None)
    state = filters.selected_state()
    complaints = selectors.complaints_for(user=request.user, state=state)
    if wants_xlsx(request):
        return complaints_xlsx(complaints)
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "claims/list.html",
        {"filters": filters, "page": page, "state": state, "querystring": query.urlencode()},
    )


def _detail(request, complaint, *, answer_form=None, status=200):
    records = can(request.user, Capability.RECORD_UTAR_ANSWER) and complaint.is_open
    if records and answer_form is None:
        answer_form = AnswerForm(complaint=complaint)
    return render(
        request,
        "claims/detail.html",
        {
            "complaint": complaint,
            "changes": complaint.changes.select_related("by"),
            "emails": selectors.complaint_emails(complaint)[:20],
            "answer_form": answer_form if records else None,
        },
        status=status,
    )


@login_required
def complaint_detail(request, pk):
    return _detail(request, _complaint(request, pk))


@login_required
@require_POST
def complaint_answer(request, pk):
    if not can(request.user, Capability.RECORD_UTAR_ANSWER):
        raise PermissionDenied(_("Your role does not record UTAR's answers."))
    complaint = _complaint(request, pk)
    if not complaint.is_open:
        messages.warning(request, _("This complaint is already resolved."))
        return redirect("claims:detail", pk=complaint.pk)
    form = AnswerForm(request.POST, complaint=complaint)
    if form.is_valid():
        try:
            answer = complaint_record_answer(
                complaint=complaint, user=request.user, **form.cleaned_data
            )
        except ValidationError as err:
            add_to_form(form, err)
        except EngineError as err:  # the waiting case could not advance: nothing was saved
            form.add_error(None, str(err))
        else:
            if answer.process_moved or answer.complaint.is_open:
                messages.success(request, answer.notice)
            else:
                messages.warning(request, answer.notice)
            return redirect("claims:detail", pk=complaint.pk)
    return _detail(request, complaint, answer_form=form, status=422)
