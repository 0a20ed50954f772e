"""The six roles of the enterprise team and what each may do — in one place.

Every view, selector and service asks `can(user, Capability.X)` or scopes its
query with `sees_every_portfolio(user)`; nothing else decides access.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    EXECUTIVE = "executive", _("Enterprise executive")
    COMMERCIAL_MANAGER = "commercial_manager", _("Commercial manager")
    TECHNICAL_MANAGER = "technical_manager", _("Technical manager")
    TECHNICAL_ANALYST = "technical_analyst", _("Technical analyst")
    TEAM_LEAD = "team_lead", _("Team lead")
    DIVISION_HEAD = "division_head", _("Division head")


class Capability(StrEnum):
    # Read every company, not only one's own portfolio.
    VIEW_ALL_PORTFOLIOS = "view_all_portfolios"
    # Own a portfolio of companies (the executive of the account).
    OWN_PORTFOLIO = "own_portfolio"
    # Record a contact with a customer (the manual's "ingresa interacción").
    RECORD_INTERACTION = "record_interaction"
    # See the team's monthly indicators and the whole team's work.
    VIEW_TEAM_INDICATORS = "view_team_indicators"
    # Close a month: freeze its indicators as the monthly report.
    CLOSE_MONTH = "close_month"
    # See the work orders of the field units (installations, damages, visits).
    VIEW_WORK_ORDERS = "view_work_orders"
    # Assign work orders to a field unit and close them with their result.
    MANAGE_WORK_ORDERS = "manage_work_orders"
    # Close a damage as unfounded once it was solved remotely (procedure E, step 5).
    CLOSE_UNFOUNDED_DAMAGES = "close_unfounded_damages"
    # Record what the claims unit UTAR answered on a billing complaint
    # (assigned, resolved with its resolution): UTAR's people are not users.
    RECORD_UTAR_ANSWER = "record_utar_answer"
    # Work the debtors list and run the monthly proformas (procedure I).
    MANAGE_COLLECTIONS = "manage_collections"
    # Plan the shared visit calendar's support visits: schedule, move and
    # cancel them, give each visit's work order to its analyst, make the
    # quality call (procedure L: the analyst schedules in coordination with
    # the team lead and the technical manager, who move and cancel as well).
    PLAN_VISITS = "plan_visits"
    # Plan one's own commercial visits ("ofertas de servicio", Annex 1) in the
    # visit calendar: record, move and cancel them, print one's schedule.
    PLAN_COMMERCIAL_VISITS = "plan_commercial_visits"
    # See every executive's commercial visits and print any executive's Annex 1.
    VIEW_COMMERCIAL_VISITS = "view_commercial_visits"
    # End any open case by hand, with a reason: its process stops where it
    # stands and the case closes as "cancelled" (no case stuck for good).
    CANCEL_CASES = "cancel_cases"
    # Load the commercial system's files (companies, products, invoices…):
    # dry run, confirm, cancel; see the imports and the daily sync folder.
    IMPORT_DATA = "import_data"
    # See who holds which pending step (the team view) and hand a step to
    # another person of its role: someone is away, or has too much.
    MANAGE_TEAM_TASKS = "manage_team_tasks"
    # Sort the messages customers sent by e-mail or WhatsApp (the triage
    # inbox): open the case each asks for, or mark it "not a request". An
    # executive, her portfolio's; the team lead, every one, and those of
    # senders nobody knows.
    TRIAGE_MESSAGES = "triage_messages"


_EVERYONE_WORKING_WITH_CUSTOMERS = {Capability.RECORD_INTERACTION}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    # The executive works only her own portfolio.
    Role.EXECUTIVE: frozenset(
        {
            *_EVERYONE_WORKING_WITH_CUSTOMERS,
            Capability.OWN_PORTFOLIO,
            Capability.MANAGE_COLLECTIONS,
            Capability.TRIAGE_MESSAGES,
            Capability.PLAN_COMMERCIAL_VISITS,
        }
    ),
    # Back-office roles serve every executive's customers.
    Role.COMMERCIAL_MANAGER: frozenset(
        {
            *_EVERYONE_WORKING_WITH_CUSTOMERS,
            Capability.VIEW_ALL_PORTFOLIOS,
            Capability.RECORD_UTAR_ANSWER,
            Capability.MANAGE_COLLECTIONS,
        }
    ),
    # The technical manager follows the work orders with the field units.
    Role.TECHNICAL_MANAGER: frozenset(
        {
            *_EVERYONE_WORKING_WITH_CUSTOMERS,
            Capability.VIEW_ALL_PORTFOLIOS,
            Capability.VIEW_WORK_ORDERS,
            Capability.MANAGE_WORK_ORDERS,
            Capability.PLAN_VISITS,
        }
    ),
    Role.TECHNICAL_ANALYST: frozenset(
        {
            *_EVERYONE_WORKING_WITH_CUSTOMERS,
            Capability.VIEW_ALL_PORTFOLIOS,
            Capability.VIEW_WORK_ORDERS,
            Capability.CLOSE_UNFOUNDED_DAMAGES,
            Capability.PLAN_VISITS,
        }
    ),
    # The team lead and the division head oversee the whole team.
    Role.TEAM_LEAD: frozenset(
        {
            *_EVERYONE_WORKING_WITH_CUSTOMERS,
            Capability.VIEW_ALL_PORTFOLIOS,
            Capability.VIEW_TEAM_INDICATORS,
            Capability.CLOSE_MONTH,
            Capability.VIEW_WORK_ORDERS,
            Capability.RECORD_UTAR_ANSWER,
            Capability.MANAGE_COLLECTIONS,
            Capability.PLAN_VISITS,
            Capability.VIEW_COMMERCIAL_VISITS,
            Capability.CANCEL_CASES,
            Capability.IMPORT_DATA,
            Capability.MANAGE_TEAM_TASKS,
            Capability.TRIAGE_MESSAGES,
        }
    ),
    Role.DIVISION_HEAD: frozenset(
        {
            *_EVERYONE_WORKING_WITH_CUSTOMERS,
            Capability.VIEW_ALL_PORTFOLIOS,
            Capability.VIEW_TEAM_INDICATORS,
            Capability.VIEW_WORK_ORDERS,
            Capability.MANAGE_COLLECTIONS,
            Capability.VIEW_COMMERCIAL_VISITS,
            Capability.CANCEL_CASES,
            Capability.MANAGE_TEAM_TASKS,
        }
    ),
}


def can(user, capability: Capability) -> bool:
    """Whether this user may do that. Superusers may do everything."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def sees_every_portfolio(user) -> bool:
    return can(user, Capability.VIEW_ALL_PORTFOLIOS)
