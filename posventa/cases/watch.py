"""The 24-hour watch: every few minutes the worker looks at the customers'
requests not answered yet, their 24 hours counted from the request
(`Case.requested_at`). At the warning hour (18 h by default) the owner of the
pending step and the team lead are warned — an alert in their inbox and an
e-mail; once the 24 hours pass, the case is marked. Each happens once per
case. A case the team started (I, J, K) is no request until the customer
reports a damage in it: until then it is not watched (its steps are due by
their own `sla_hours`); from then on, it is, from that moment.

The orphan check: every hour the worker looks for cases nothing moves any
more (`selectors.orphans`) and warns the team lead of each, once a day while
it lasts."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.cases.models import Alert, Case, CaseStatus
from posventa.cases.rules import ATTENTION_HOURS, attention_due, warning_hours
from posventa.cases.selectors import orphans
from posventa.outbox.selectors import role_addresses
from posventa.outbox.services import email_queue


def _owners(case) -> tuple[set[str], list[str]]:
    """The roles of the case's pending steps, and the e-mails of the people
    who own them: who took the step, else the executive of the account for
    her steps, else everyone working in that role."""
    roles, addresses = set(), []
    for task in case.instance.human_tasks.select_related("assignee") if case.instance else []:
        roles.add(task.role)
        if task.assignee is not None:
            addresses.append(task.assignee.email)
        elif task.role == Role.EXECUTIVE and case.company.executive_id:
            addresses.append(case.company.executive.email)
        else:
            addresses += role_addresses(task.role)
    return roles, [a for a in addresses if a]


@transaction.atomic
def _warn(case, now) -> None:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if (
        case.attention_warned_at is not None
        or case.attended_at is not None
        or case.requested_at is None
    ):
        return
    roles, owners = _owners(case)
    due_at = attention_due(case.requested_at)
    left = due_at - now
    hours = max(int(left.total_seconds() // 3600), 0)
    message = _(
        "Case %(number)s (%(company)s): its 24 hours pass in less than %(hours)s h "
        "without an answer to the customer."
    ) % {"number": case.number, "company": case.company, "hours": hours + 1}
    for role in {*roles, Role.TEAM_LEAD}:
        Alert.objects.create(case=case, role=role, message=message)
    recipients = owners or role_addresses(Role.TEAM_LEAD)
    copies = role_addresses(Role.TEAM_LEAD)
    if recipients:
        email_queue(
            template="cases/email/attention_warning",
            to=recipients,
            cc=copies,
            context={"case": case, "message": message, "due_at": due_at},
            case=case,
        )
    case.attention_warned_at = now
    case.save(update_fields=["attention_warned_at", "updated_at"])


def attention_watch(now=None) -> dict:
    """Warn about the customers' requests whose 24 hours are about to pass;
    mark those whose 24 hours passed (both from the request; a case with no
    request in it is left alone). Returns how many of each."""
    now = now or timezone.now()
    unanswered = Case.objects.filter(attended_at__isnull=True, requested_at__isnull=False).exclude(
        status=CaseStatus.CLOSED
    )
    earliest_warning = now - timedelta(hours=warning_hours())
    to_warn = unanswered.filter(
        attention_warned_at__isnull=True,
        requested_at__lte=earliest_warning,
        requested_at__gt=now - timedelta(hours=ATTENTION_HOURS),
    ).select_related("company__executive", "instance")
    warned = 0
    for case in to_warn:
        _warn(case, now)
        warned += 1
    late = unanswered.filter(
        attention_late_at__isnull=True,
        requested_at__lte=now - timedelta(hours=ATTENTION_HOURS),
    ).update(attention_late_at=now)
    return {"warned": warned, "late": late}


logger = logging.getLogger(__name__)

# An orphan still there is recalled to the team lead once a day, not every hour.
ORPHAN_REMINDER = timedelta(hours=24)


def orphan_watch(now=None) -> dict:
    """Warn the team lead of every stuck case (an alert on the case), unless
    the same warning was given in the last day. Returns how many were found
    and how many warned."""
    now = now or timezone.now()
    found = orphans()
    warned = 0
    for orphan in found:
        logger.warning("Stuck case or process %s: %s", orphan.business_key, orphan.kind)
        if orphan.case is None:
            continue  # no case to hang the alert on: the watch page lists it
        message = _("Case %(number)s (%(company)s) is stuck: %(why)s. Cancel it, or ask why.") % {
            "number": orphan.case.number,
            "company": orphan.case.company,
            "why": orphan.label,
        }
        recent = Alert.objects.filter(
            case=orphan.case,
            role=Role.TEAM_LEAD,
            message=message,
            created_at__gt=now - ORPHAN_REMINDER,
        )
        if not recent.exists():
            Alert.objects.create(case=orphan.case, role=Role.TEAM_LEAD, message=message)
            warned += 1
    return {"orphans": len(found), "warned": warned}
