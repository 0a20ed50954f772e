"""The menu, by what the user's role may do (accounts.roles decides).

`menu` is every entry the user may open, in order; `menu_groups` is the same
entries as the header shows them, grouped so the bar fits one line at
1280 px: a group of one entry is a plain link, a larger one a dropdown.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from posventa.accounts.roles import Capability, Role, can


def _entries(user) -> list[tuple[str, str, str]]:
    """(group, url, label) of every entry the user may open."""
    entries = [("cases", reverse("cases:inbox"), _("Inbox"))]
    if can(user, Capability.TRIAGE_MESSAGES):
        # The customers' e-mails and WhatsApp messages to sort (channels' triage).
        entries.append(("cases", reverse("triage:list"), _("Messages")))
    entries.append(("cases", reverse("cases:list"), pgettext("menu", "Case list")))
    if can(user, Capability.MANAGE_TEAM_TASKS):
        entries.append(("cases", reverse("cases:team"), pgettext("menu", "Team")))
    if can(user, Capability.VIEW_ALL_PORTFOLIOS):
        entries.append(("customers", reverse("customers:portfolio"), _("Portfolio")))
    elif can(user, Capability.OWN_PORTFOLIO):
        entries.append(("customers", reverse("customers:portfolio"), _("My portfolio")))
    if can(user, Capability.VIEW_WORK_ORDERS):
        entries.append(("follow_up", reverse("workorders:list"), _("Work orders")))
    if (
        can(user, Capability.RECORD_UTAR_ANSWER)
        or can(user, Capability.OWN_PORTFOLIO)
        or can(user, Capability.VIEW_TEAM_INDICATORS)
    ):
        entries.append(("follow_up", reverse("claims:list"), _("Billing complaints")))
    if can(user, Capability.MANAGE_COLLECTIONS):
        entries.append(("follow_up", reverse("collections:debtors"), _("Collections")))
    if can(user, Capability.OWN_PORTFOLIO) or can(user, Capability.VIEW_TEAM_INDICATORS):
        entries.append(("follow_up", reverse("campaigns:list"), _("Call campaigns")))
    if (
        user.role == Role.TECHNICAL_ANALYST
        or can(user, Capability.VIEW_TEAM_INDICATORS)
        or can(user, Capability.OWN_PORTFOLIO)
    ):
        entries.append(("follow_up", reverse("reviews:worklist"), _("Preventive review")))
    if (
        user.role in (Role.TECHNICAL_ANALYST, Role.TEAM_LEAD)
        or can(user, Capability.VIEW_WORK_ORDERS)
        or can(user, Capability.OWN_PORTFOLIO)
    ):
        entries.append(("follow_up", reverse("visits:calendar"), _("Visit calendar")))
    if can(user, Capability.VIEW_TEAM_INDICATORS) or can(user, Capability.OWN_PORTFOLIO):
        entries.append(("indicators", reverse("indicators:dashboard"), _("Indicators")))
    if can(user, Capability.IMPORT_DATA):
        entries.append(("admin", reverse("imports:list"), _("Imports")))
    if user.is_staff:
        entries.append(("admin", reverse("admin:index"), _("Administration")))
    return entries


def _group_labels() -> dict[str, str]:
    return {
        "cases": pgettext("menu", "Cases"),
        "customers": pgettext("menu", "Customers"),
        "follow_up": pgettext("menu", "Follow-up"),
        "indicators": pgettext("menu", "Indicators"),
        "admin": pgettext("menu", "Administration"),
    }


def _is_active(path: str, url: str, urls: list[str]) -> bool:
    """The entry whose address is the longest start of the path: /casos/
    is not active on the inbox, nor /clientes/ on a case of /clientes/1/casos/."""
    starts = [u for u in urls if path.startswith(u)]
    return bool(starts) and url == max(starts, key=len)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path
    entries = _entries(user)
    urls = [url for _group, url, _label in entries]
    menu = [
        {"url": url, "label": label, "group": group, "active": _is_active(path, url, urls)}
        for group, url, label in entries
    ]
    if can(user, Capability.TRIAGE_MESSAGES):
        from posventa.channels.selectors import triage_count

        triage_url = reverse("triage:list")
        for item in menu:
            if item["url"] == triage_url:
                item["badge"] = triage_count(user) or ""
    labels = _group_labels()
    groups: list[dict] = []
    for item in menu:
        if not groups or groups[-1]["key"] != item["group"]:
            groups.append({"key": item["group"], "label": labels[item["group"]], "items": []})
        groups[-1]["items"].append(item)
    for group in groups:
        group["active"] = any(item["active"] for item in group["items"])
        # A closed dropdown still says something waits inside it.
        group["badge"] = sum(int(item.get("badge") or 0) for item in group["items"]) or ""
    return {"menu": menu, "menu_groups": groups}
