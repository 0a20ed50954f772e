"""The case list's filters and sort, read from a query string: the page
(/casos/) and its Excel file (/casos.xlsx) read them here, so the link
exports exactly what the page shows.

Hostile input: every value is one of a closed list or a bounded id or date
(common/forms.py); anything else filters nothing, and the page names the
filter it ignored — never a server error."""

from dataclasses import dataclass, field, fields
from datetime import date

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus, Outcome, Procedure
from posventa.cases.selectors import (
    CANCELLED_STATE,
    CASE_SORTS,
    DEFAULT_CASE_SORT,
    WAITING_FOR_EVENT,
    ClockLevel,
)
from posventa.common.dates import date_or_none
from posventa.common.forms import query_choice, query_id
from posventa.common.models import Channel

# The case's state as the team reads it: the three of `CaseStatus`, with a
# cancelled case (closed by hand, `Outcome.CANCELLED`) told apart from one
# its process closed.
STATE_CHOICES = [
    (CaseStatus.OPEN.value, CaseStatus.OPEN.label),
    (CaseStatus.WAITING_CUSTOMER.value, CaseStatus.WAITING_CUSTOMER.label),
    (CaseStatus.CLOSED.value, pgettext_lazy("case state", "Closed (not cancelled)")),
    (CANCELLED_STATE, pgettext_lazy("case state", "Cancelled")),
]

CLOCK_CHOICES = [
    (ClockLevel.OK, _("On time")),
    (ClockLevel.WARNING, _("About to expire")),
    (ClockLevel.LATE, _("Late")),
    (ClockLevel.DONE, _("Answered in time")),
    (ClockLevel.NONE, _("Team's own work")),
]

WAITING_CHOICES = [*Role.choices, (WAITING_FOR_EVENT, _("An event or a timer"))]

SORT_LABELS = {
    "number": _("Number"),
    "received": _("Received"),
    "procedure": _("Procedure"),
    "customer": _("Customer"),
    "state": pgettext_lazy("case state", "State"),
    "deadline": _("24 hours end at"),
}


@dataclass(frozen=True)
class CaseFilters:
    """What the person asked the case list for, once checked."""

    procedure: str = ""
    status: str = ""
    outcome: str = ""
    received_from: date | None = None
    received_to: date | None = None
    executive: int | None = None
    company: int | None = None
    channel: str = ""
    clock: str = ""
    waiting: str = ""
    sort: str = DEFAULT_CASE_SORT
    # The parameters given with a value that means nothing (shown, not applied).
    ignored: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, params) -> "CaseFilters":
        ignored = []

        def choice(name, choices, default=""):
            value = query_choice(params, name, choices, default)
            if params.get(name, "") not in ("", value):
                ignored.append(name)
            return value

        def some_id(name):
            value = query_id(params, name)
            if value is None and params.get(name, ""):
                ignored.append(name)
            return value

        def day(name):
            value = date_or_none(params.get(name))
            if value is None and params.get(name, ""):
                ignored.append(name)
            return value

        sorts = [(key, key) for key in CASE_SORTS] + [(f"-{key}", key) for key in CASE_SORTS]
        return cls(
            procedure=choice("procedure", Procedure.choices),
            status=choice("status", STATE_CHOICES),
            outcome=choice("outcome", Outcome.choices),
            received_from=day("received_from"),
            received_to=day("received_to"),
            # Scoped all the same: an executive asking for another's portfolio
            # gets none of it (`cases_visible_to`), not her own instead.
            executive=some_id("executive"),
            company=some_id("company"),
            channel=choice("channel", Channel.choices),
            clock=choice("clock", CLOCK_CHOICES),
            waiting=choice("waiting", WAITING_CHOICES),
            sort=choice("sort", sorts, DEFAULT_CASE_SORT),
            ignored=tuple(ignored),
        )

    def selector_kwargs(self) -> dict:
        """The keyword arguments of `selectors.case_list`."""
        return {
            "procedure": self.procedure,
            "status": self.status,
            "outcome": self.outcome,
            "received_from": self.received_from,
            "received_to": self.received_to,
            "executive_id": self.executive,
            "company_id": self.company,
            "channel": self.channel,
            "clock": self.clock,
            "waiting": self.waiting,
            "sort": self.sort,
        }

    def as_query(self, **changes) -> QueryDict:
        """The filters as applied (what was ignored is left out), with
        `changes`; the default sort is left out too."""
        query = QueryDict(mutable=True)
        for item in fields(self):
            if item.name == "ignored":
                continue
            value = changes.get(item.name, getattr(self, item.name))
            if value in (None, "") or (item.name == "sort" and value == DEFAULT_CASE_SORT):
                continue
            query[item.name] = value.isoformat() if isinstance(value, date) else str(value)
        return query

    def querystring(self, **changes) -> str:
        return self.as_query(**changes).urlencode()
