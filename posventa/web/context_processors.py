"""The menu, by what the user's role may do (accounts.roles decides)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, Role, can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    items = [(reverse("cases:inbox"), _("Inbox"))]
    if can(user, Capability.VIEW_ALL_PORTFOLIOS):
        items.append((reverse("customers:portfolio"), _("Portfolio")))
    elif can(user, Capability.OWN_PORTFOLIO):
        items.append((reverse("customers:portfolio"), _("My portfolio")))
    if can(user, Capability.VIEW_WORK_ORDERS):
        items.append((reverse("workorders:list"), _("Work orders")))
    if (
        can(user, Capability.RECORD_UTAR_ANSWER)
        or can(user, Capability.OWN_PORTFOLIO)
        or can(user, Capability.VIEW_TEAM_INDICATORS)
    ):
        items.append((reverse("claims:list"), _("Billing complaints")))
    if can(user, Capability.MANAGE_COLLECTIONS):
        items.append((reverse("collections:debtors"), _("Collections")))
    if can(user, Capability.OWN_PORTFOLIO) or can(user, Capability.VIEW_TEAM_INDICATORS):
        items.append((reverse("campaigns:list"), _("Call campaigns")))
    if can(user, Capability.VIEW_TEAM_INDICATORS) or can(user, Capability.OWN_PORTFOLIO):
        items.append((reverse("indicators:dashboard"), _("Indicators")))
    if (
        user.role == Role.TECHNICAL_ANALYST
        or can(user, Capability.VIEW_TEAM_INDICATORS)
        or can(user, Capability.OWN_PORTFOLIO)
    ):
        items.append((reverse("reviews:worklist"), _("Preventive review")))
    if (
        user.role in (Role.TECHNICAL_ANALYST, Role.TEAM_LEAD)
        or can(user, Capability.VIEW_WORK_ORDERS)
        or can(user, Capability.OWN_PORTFOLIO)
    ):
        items.append((reverse("visits:calendar"), _("Visit calendar")))
    if can(user, Capability.IMPORT_DATA):
        items.append((reverse("imports:list"), _("Imports")))
    if user.is_staff:
        items.append((reverse("admin:index"), _("Administration")))
    return {
        "menu": [
            {"url": url, "label": label, "active": path.startswith(url)} for url, label in items
        ]
    }
