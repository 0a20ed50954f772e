"""The team view (/equipo/): who holds which pending step, with its 24
hours, for the team lead and the division head; and handing a step to
another person of its role."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.accounts.roles import Capability, can
from posventa.cases import selectors
from posventa.cases.services import task_reassign as reassign
from posventa.common.forms import BoundedForm
from posventa.engine import services as engine


def _require_team_view(user) -> None:
    if not can(user, Capability.MANAGE_TEAM_TASKS):
        raise PermissionDenied(_("Only the team lead and the division head see the team view."))


@login_required
def team(request):
    _require_team_view(request.user)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return render(
        request,
        "cases/team.html",
        {
            "workloads": selectors.team_workload(),
            "shown": selectors.TEAM_TASKS_SHOWN,
            "states": selectors.TaskState,
        },
    )


class ReassignForm(BoundedForm):
    """Whom to hand the step to: an active person of its role."""

    to_user = forms.ModelChoiceField(
        label=gettext_lazy("Hand to"),
        queryset=None,
        empty_label=gettext_lazy("Choose a person"),
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose an active person of the step's role: that one is not."
            )
        },
    )

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        # Without a step (a form built on its own) there is nobody to hand it to.
        self.fields["to_user"].queryset = (
            selectors.reassign_candidates(task)
            if task is not None
            else get_user_model().objects.none()
        )


@login_required
def task_reassign(request, task_id):
    """A page to hand one pending step to another person of its role; a
    step completed meanwhile sends back to the team view with a word."""
    _require_team_view(request.user)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    task = selectors.team_task(task_id)
    if task is None:
        messages.info(request, _("This step is no longer pending: someone completed it."))
        return redirect("cases:team")
    form = ReassignForm(request.POST or None, task=task)
    if request.method == "POST" and form.is_valid():
        to_user = form.cleaned_data["to_user"]
        try:
            reassign(task_id=task.task_id, user=request.user, to_user=to_user)
        except engine.EngineError as err:  # completed meanwhile, or not of the role
            messages.error(request, str(err))
        else:
            messages.success(
                request,
                _('"%(task)s" of case %(number)s is now in %(person)s\'s inbox.')
                % {"task": task.name, "number": task.instance.case.number, "person": to_user},
            )
        return redirect("cases:team")
    return render(
        request,
        "cases/team_reassign.html",
        {
            "task": task,
            "case": task.instance.case,
            "clock": selectors.case_clock(task.instance.case),
            "form": form,
        },
    )
