"""Call campaigns: the list with their progress, a new campaign, its worklist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.accounts.roles import Role
from posventa.campaigns import selectors, services
from posventa.campaigns.exports import calls_xlsx, campaigns_xlsx
from posventa.campaigns.forms import CampaignForm
from posventa.campaigns.models import CampaignItem
from posventa.common.exports import wants_xlsx
from posventa.common.forms import query_choice
from posventa.web.errors import REFUSALS, as_text


@login_required
def campaign_list(request):
    if not services.may_manage(request.user):
        raise PermissionDenied
    if wants_xlsx(request):
        return campaigns_xlsx(selectors.campaigns_for(request.user))
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(user=request.user, **form.cleaned_data)
        except REFUSALS as error:
            messages.error(request, as_text(error))
        else:
            messages.success(
                request,
                _("Campaign created with %(n)s calls to make.") % {"n": campaign.items.count()},
            )
            return redirect("campaigns:detail", campaign.pk)
    if not form.is_bound:
        today = timezone.localdate()
        form.initial.update(starts_on=today, ends_on=today)
    return render(
        request,
        "campaigns/list.html",
        {"campaigns": selectors.campaigns_for(request.user)[:200], "form": form},
    )


@login_required
def campaign_detail(request, pk: int):
    if not services.may_manage(request.user):
        raise PermissionDenied
    # Another executive's campaign is not found, as one that does not exist.
    campaign = get_object_or_404(selectors.campaigns_managed_by(request.user), pk=pk)
    results = CampaignItem._meta.get_field("result").choices
    result = query_choice(request.GET, "result", results)
    items = selectors.worklist(campaign, result=result)
    if wants_xlsx(request):
        return calls_xlsx(items, campaign=campaign)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "items": items,
            "progress": selectors.progress(campaign),
            "result": result,
            "results": results,
            "may_call": request.user.role == Role.EXECUTIVE
            and campaign.executive_id == request.user.pk,
        },
    )


@login_required
@require_POST
def call(request, pk: int):
    item = get_object_or_404(
        CampaignItem.objects.filter(campaign__in=selectors.campaigns_managed_by(request.user)),
        pk=pk,
    )
    try:
        case = services.call_start(item=item, user=request.user)
    except REFUSALS as error:
        messages.error(request, as_text(error))
        return redirect("campaigns:detail", item.campaign_id)
    task = case.instance.human_tasks.order_by("pk").first() if case.instance else None
    if task is not None:
        return redirect("cases:task", task.task_id)
    return redirect("cases:detail", case.number)
