"""The portfolio and the customer page ("360")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.accounts.roles import sees_every_portfolio
from posventa.billing.selectors import account_status, debt_by_product
from posventa.common.exports import wants_xlsx
from posventa.customers.exports import portfolio_xlsx
from posventa.customers.forms import InteractionForm, PortfolioSearchForm
from posventa.customers.models import Company
from posventa.customers.selectors import company_timeline, portfolio
from posventa.customers.services import interaction_record
from posventa.inventory.selectors import company_products

PAGE_SIZE = 25


@login_required
def portfolio_list(request):
    every = sees_every_portfolio(request.user)
    form = PortfolioSearchForm(request.GET, sees_every_portfolio=every)
    filters = form.filters()
    companies = portfolio(user=request.user, **filters)
    if wants_xlsx(request):
        return portfolio_xlsx(companies)
    page = Paginator(companies, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "customers/portfolio.html",
        {
            "page": page,
            "search": filters["search"],
            "sees_every_portfolio": every,
            "executives": form.fields["executive"].queryset if every else None,
            "selected_executive": filters["executive_id"],
            "querystring": query.urlencode(),
        },
    )


def _company(request, pk) -> Company:
    # Scoped by the user: another executive's customer is "not found", so an
    # id typed in the address bar tells nothing about who else has customers.
    return get_object_or_404(
        Company.objects.visible_to(request.user).select_related("executive"), pk=pk
    )


def _interactions_context(company, form, *, partial=False, recorded=False) -> dict:
    return {
        "company": company,
        "timeline": company_timeline(company=company),
        "form": form,
        # The fragment alone (htmx) also updates the page's status line.
        "partial": partial,
        "recorded": recorded,
    }


def _detail_context(company, form) -> dict:
    today = timezone.localdate()
    return {
        **_interactions_context(company, form),
        "contacts": company.contacts.all(),
        "products": company_products(company=company),
        "account": account_status(company=company, today=today),
        "debts": debt_by_product(company=company, today=today),
        "today": today,
        "cases": company.cases.order_by("-received_at")[:10],
    }


@login_required
def company_detail(request, pk):
    company = _company(request, pk)
    return render(
        request, "customers/detail.html", _detail_context(company, InteractionForm(company=company))
    )


@login_required
@require_POST
def interaction_add(request, pk):
    """Add an interaction; with htmx, answer with the refreshed timeline and an
    empty form, or the form with its errors — nothing is saved on error.

    The service's PermissionDenied is left to Django, which answers 403.
    """
    company = _company(request, pk)
    htmx = bool(request.headers.get("HX-Request"))
    form = InteractionForm(request.POST, company=company)
    if form.is_valid():
        data = form.cleaned_data
        try:
            interaction_record(
                company=company,
                user=request.user,
                channel=data["channel"],
                direction=data["direction"],
                summary=data["summary"],
                occurred_at=data["occurred_at"],
                contact=data["contact"],
            )
        except ValidationError as err:
            # Each of the service's messages goes next to the field it is about.
            by_field = err.message_dict if hasattr(err, "error_dict") else {None: err.messages}
            for field, errors in by_field.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if not htmx:
                messages.success(request, _("Interaction recorded."))
                return redirect("customers:detail", pk=company.pk)
            return render(
                request,
                "customers/_interactions.html",
                _interactions_context(
                    company, InteractionForm(company=company), partial=True, recorded=True
                ),
            )
    if not htmx:
        return render(request, "customers/detail.html", _detail_context(company, form), status=422)
    # htmx 2 swaps only 2xx by default: the form with its errors comes as 200.
    return render(
        request, "customers/_interactions.html", _interactions_context(company, form, partial=True)
    )
