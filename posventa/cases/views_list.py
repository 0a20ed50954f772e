"""The case list (/casos/): every case the user may see, filtered, sorted,
a page at a time. Its Excel file is /casos.xlsx (`exports.cases_xlsx`),
which reads the same filters (`list_filters.CaseFilters`)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from posventa.accounts.roles import sees_every_portfolio
from posventa.accounts.selectors import executives
from posventa.cases import selectors
from posventa.cases.list_filters import (
    CLOCK_CHOICES,
    SORT_LABELS,
    STATE_CHOICES,
    WAITING_CHOICES,
    CaseFilters,
)
from posventa.cases.models import Procedure
from posventa.cases.selectors import DEFAULT_CASE_SORT
from posventa.common.models import Channel

PAGE_SIZE = 25


def _columns(filters: CaseFilters) -> list[dict]:
    """The sortable headers: a link that sorts by the column (again: the
    other way), and which one is in force for screen readers (aria-sort)."""
    columns = []
    for key, label in SORT_LABELS.items():
        current = filters.sort.removeprefix("-") == key
        descending = filters.sort.startswith("-")
        next_sort = (key if descending else f"-{key}") if current else key
        columns.append(
            {
                "key": key,
                "label": label,
                "href": "?" + filters.querystring(sort=next_sort),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return columns


def _sorts() -> list[tuple[str, str]]:
    """The sort choices of the form (a phone shows no column headers)."""
    sorts = []
    for key, label in SORT_LABELS.items():
        sorts += [(key, f"{label} ▲"), (f"-{key}", f"{label} ▼")]
    # The default is the form's empty choice.
    return [(value, label) for value, label in sorts if value != DEFAULT_CASE_SORT]


@login_required
@require_GET
def case_list(request):
    filters = CaseFilters.from_query(request.GET)
    cases = selectors.case_list(user=request.user, **filters.selector_kwargs())
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    every = sees_every_portfolio(request.user)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "rows": [(case, selectors.case_clock(case)) for case in page.object_list],
            "filters": filters,
            "querystring": filters.querystring(),
            "columns": _columns(filters),
            "sorts": _sorts(),
            # Filters the form does not show (from a link: the indicators,
            # the inbox) are kept when the person changes the others.
            "hidden_filters": [
                (name, value)
                for name, value in filters.as_query().items()
                if name in ("outcome", "received_from", "received_to", "company")
            ],
            "sees_every_portfolio": every,
            "executives": list(executives()) if every else [],
            "choices": {
                "status": STATE_CHOICES,
                "procedure": Procedure.choices,
                "channel": Channel.choices,
                "clock": CLOCK_CHOICES,
                "waiting": WAITING_CHOICES,
            },
        },
    )
