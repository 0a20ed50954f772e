"""The review list, its sales opportunities, and the analysts' daily reports."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.accounts.roles import Capability, Role, can
from posventa.common.dates import date_or_none
from posventa.common.exports import wants_xlsx
from posventa.common.forms import query_choice, query_id
from posventa.customers.models import Company
from posventa.reviews import selectors, services
from posventa.reviews.exports import review_items_xlsx
from posventa.reviews.models import DailyReport, ItemKind, Opportunity, ReviewItem
from posventa.web.errors import REFUSALS, as_text


def _is_analyst(user) -> bool:
    return user.role == Role.TECHNICAL_ANALYST


def _oversees(user) -> bool:
    return can(user, Capability.VIEW_TEAM_INDICATORS)


def _may_view(user) -> bool:
    return _is_analyst(user) or _oversees(user) or can(user, Capability.OWN_PORTFOLIO)


PAGE_SIZE = 30


@login_required
def worklist(request):
    if not _may_view(request.user):
        raise PermissionDenied
    executives = (
        get_user_model().objects.filter(role=Role.EXECUTIVE, is_active=True).order_by("username")
    )
    executive_id = query_id(request.GET, "executive")
    executive = executives.filter(pk=executive_id).first() if executive_id else None
    kind = query_choice(request.GET, "kind", ItemKind.choices)
    items = selectors.worklist(user=request.user, executive=executive, kind=kind)
    if wants_xlsx(request):
        return review_items_xlsx(items)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    opportunities = (
        Opportunity.objects.filter(company__in=Company.objects.visible_to(request.user))
        .select_related("company", "case")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "reviews/worklist.html",
        {
            "page": page,
            "querystring": query.urlencode(),
            "executives": executives,
            "executive": executive,
            "kinds": ItemKind.choices,
            "kind": kind,
            "opportunities": opportunities,
            "may_start": _is_analyst(request.user),
            "may_refresh": _is_analyst(request.user) or _oversees(request.user),
        },
    )


@login_required
@require_POST
def refresh(request):
    if not (_is_analyst(request.user) or _oversees(request.user)):
        raise PermissionDenied
    added = services.worklist_refresh()
    messages.success(request, _("Review list updated: %(n)s new items.") % {"n": added})
    return redirect("reviews:worklist")


@login_required
@require_POST
def start(request, pk: int):
    # An item of another portfolio is not found, as one that does not exist.
    item = get_object_or_404(
        ReviewItem.objects.filter(company__in=Company.objects.visible_to(request.user)), pk=pk
    )
    try:
        case = services.review_start(item=item, user=request.user)
    except REFUSALS as error:
        messages.error(request, as_text(error, _("You may not start this review.")))
        return redirect("reviews:worklist")
    messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
    return redirect("cases:detail", case.number)


@login_required
def daily_report(request):
    user = request.user
    if not (_is_analyst(user) or _oversees(user)):
        raise PermissionDenied
    analysts = selectors.technical_analysts()
    if not _oversees(user):
        analysts = analysts.filter(pk=user.pk)
    analyst_id = query_id(request.GET, "analyst")
    analyst = analysts.filter(pk=analyst_id).first() if analyst_id else None
    analyst = analyst or (user if _is_analyst(user) else analysts.first())
    day = date_or_none(request.GET.get("day")) or timezone.localdate()
    if day > timezone.localdate():
        messages.error(request, _("A day in the future has no report yet."))
        day = timezone.localdate()
    work = selectors.analyst_day(analyst=analyst, day=day) if analyst else None
    sent = (
        DailyReport.objects.filter(analyst=analyst, day=day).select_related("email").first()
        if analyst
        else None
    )
    return render(
        request,
        "reviews/daily_report.html",
        {
            "analysts": analysts,
            "analyst": analyst,
            "day": day,
            "today": timezone.localdate(),
            "work": work,
            "sent": sent,
        },
    )
