"""Reads of procedure J: the campaigns a user sees and their progress."""

from django.db.models import Count, Q, QuerySet

from posventa.accounts.roles import Capability, Role, can
from posventa.campaigns.models import CallResult, Campaign, CampaignItem


def campaigns_for(user) -> QuerySet[Campaign]:
    """The executive her own campaigns; the team lead every campaign; with
    their progress: called, pending, with problem."""
    campaigns = Campaign.objects.select_related("executive")
    if not can(user, Capability.VIEW_TEAM_INDICATORS):
        campaigns = campaigns.filter(executive=user)
    return campaigns.annotate(
        total=Count("items"),
        called=Count(
            "items", filter=Q(items__result__in=[CallResult.NO_PROBLEM, CallResult.PROBLEM])
        ),
        with_problem=Count("items", filter=Q(items__result=CallResult.PROBLEM)),
        in_call=Count("items", filter=Q(items__result=CallResult.IN_CALL)),
        pending=Count("items", filter=Q(items__result=CallResult.PENDING)),
    )


def progress(campaign: Campaign) -> dict:
    counts = dict(
        campaign.items.values_list("result").annotate(n=Count("pk")).values_list("result", "n")
    )
    called = counts.get(CallResult.NO_PROBLEM, 0) + counts.get(CallResult.PROBLEM, 0)
    total = sum(counts.values())
    return {
        "total": total,
        "called": called,
        "pending": counts.get(CallResult.PENDING, 0),
        "in_call": counts.get(CallResult.IN_CALL, 0),
        "with_problem": counts.get(CallResult.PROBLEM, 0),
        "percent": round(100 * called / total) if total else 0,
    }


def worklist(campaign: Campaign, *, result: str = "") -> QuerySet[CampaignItem]:
    """The campaign's calls, those with one result if asked."""
    items = campaign.items.select_related(
        "company", "product__plan", "work_order", "case"
    ).prefetch_related("company__contacts")
    return items.filter(result=result) if result else items


def campaigns_managed_by(user) -> QuerySet[Campaign]:
    """The campaigns whose calls the user may reach: every one for who
    oversees the team, her own for an executive, none for the other roles
    (the web's campaign page and the API read the same)."""
    campaigns = Campaign.objects.select_related("executive")
    if can(user, Capability.VIEW_TEAM_INDICATORS):
        return campaigns
    if user.role == Role.EXECUTIVE:
        return campaigns.filter(executive=user)
    return campaigns.none()
