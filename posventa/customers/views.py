"""The portfolio and the customer page ("360")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from posventa.accounts.roles import sees_every_portfolio
from posventa.billing.selectors import account_status, debt_by_product
from posventa.cases.models import CaseStatus
from posventa.common.exports import wants_xlsx
from posventa.customers.exports import portfolio_xlsx
from posventa.customers.forms import InteractionForm, PortfolioSearchForm
from posventa.customers.models import Company
from posventa.customers.selectors import company_interactions, company_timeline, portfolio
from posventa.customers.services import interaction_record
from posventa.inventory.models import ProductStatus
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


# The customer page's sections, one at a time (`?seccion=`): a page a phone
# scrolls through, and only the queries of the section shown.
SECTIONS = [
    ("resumen", pgettext_lazy("customer page section", "Summary")),
    ("productos", _lazy("Products")),
    ("casos", _lazy("Requests")),
    ("interacciones", _lazy("Interactions")),
    ("facturacion", _lazy("Billing")),
]
SECTION_KEYS = {key for key, _label in SECTIONS}
DEFAULT_SECTION = "resumen"


def _section(request) -> str:
    """The section asked for; an unknown or missing one is the summary."""
    section = request.GET.get("seccion", "")
    return section if section in SECTION_KEYS else DEFAULT_SECTION


def _interactions_context(
    company, form, *, page_number=None, partial=False, recorded=False
) -> dict:
    page = Paginator(company_interactions(company=company), PAGE_SIZE).get_page(page_number)
    return {
        "company": company,
        "timeline": page.object_list,
        "page": page,
        "querystring": "seccion=interacciones",
        "form": form,
        # The fragment alone (htmx) also updates the page's status line.
        "partial": partial,
        "recorded": recorded,
    }


def _detail_context(request, company, section: str, form=None) -> dict:
    today = timezone.localdate()
    context = {"company": company, "section": section, "sections": SECTIONS, "today": today}
    if section == "resumen":
        context |= {
            "contacts": company.contacts.all(),
            "account": account_status(company=company, today=today),
            "product_count": company.products.exclude(status=ProductStatus.WITHDRAWN).count(),
            "open_cases": company.cases.exclude(status=CaseStatus.CLOSED).count(),
            "latest": company_timeline(company=company, limit=3),
        }
    elif section == "productos":
        context["products"] = company_products(company=company)
    elif section == "casos":
        cases = company.cases.order_by("-received_at", "-pk")
        context |= {
            "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
            "querystring": "seccion=casos",
        }
    elif section == "interacciones":
        context |= _interactions_context(
            company, form or InteractionForm(company=company), page_number=request.GET.get("page")
        )
    else:
        context |= {
            "account": account_status(company=company, today=today),
            "debts": debt_by_product(company=company, today=today),
        }
    return context


@login_required
def company_detail(request, pk):
    company = _company(request, pk)
    section = _section(request)
    return render(request, "customers/detail.html", _detail_context(request, company, section))


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
                return redirect(
                    reverse("customers:detail", args=[company.pk]) + "?seccion=interacciones"
                )
            return render(
                request,
                "customers/_interactions.html",
                _interactions_context(
                    company, InteractionForm(company=company), partial=True, recorded=True
                ),
            )
    if not htmx:
        return render(
            request,
            "customers/detail.html",
            _detail_context(request, company, "interacciones", form),
            status=422,
        )
    # htmx 2 swaps only 2xx by default: the form with its errors comes as 200.
    return render(
        request, "customers/_interactions.html", _interactions_context(company, form, partial=True)
    )
