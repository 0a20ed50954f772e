"""The header search: suggestions as one types (an htmx fragment) and the
full results page (Enter)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from posventa.search import selectors
from posventa.search.forms import SearchForm


def _results(request: HttpRequest, limit: int) -> tuple[SearchForm, selectors.Results]:
    form = SearchForm(request.GET)
    if not form.is_valid():
        return form, selectors.Results(text="", refused=True)
    return form, selectors.search(user=request.user, text=form.cleaned_data["q"], limit=limit)


@login_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    _form, results = _results(request, selectors.DROPDOWN_LIMIT)
    return render(request, "search/_suggestions.html", {"results": results})


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    form, results = _results(request, selectors.PAGE_LIMIT)
    return render(
        request,
        "search/results.html",
        {"form": form, "results": results, "limit": selectors.PAGE_LIMIT},
    )
