"""The portfolio and its products as Excel files (common/exports.py)."""

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from posventa.accounts.roles import sees_every_portfolio
from posventa.catalog.models import ProductTypeCode, Technology
from posventa.common.exports import Column, Kind, dated_filename, display, path, xlsx_response
from posventa.common.forms import query_choice, query_id
from posventa.customers.forms import PortfolioSearchForm
from posventa.inventory.models import ProductStatus
from posventa.inventory.selectors import products_visible_to

PORTFOLIO_COLUMNS = [
    Column(_("NIT"), path("nit")),
    Column(_("Legal name"), path("legal_name")),
    Column(_("Trade name"), path("trade_name")),
    Column(_("Executive"), path("executive")),
    Column(_("Public institution"), path("is_public_institution"), Kind.BOOL),
    Column(_("Address"), path("address")),
    Column(_("Zone"), path("zone")),
    Column(_("Neighbourhood"), path("neighbourhood")),
    Column(_("City"), path("city")),
    Column(_("Active products"), path("product_count"), Kind.INT),
]

PRODUCT_COLUMNS = [
    Column(_("Service number"), path("service_number")),
    Column(_("NIT"), path("company.nit")),
    Column(_("Company"), path("company.legal_name")),
    Column(_("Executive"), path("company.executive")),
    Column(_("Product type"), path("plan.product_type.name")),
    Column(_("Plan"), path("plan.name")),
    Column(_("Monthly price (Bs)"), path("plan.monthly_price"), Kind.MONEY),
    Column(_("Technology"), display("technology")),
    Column(_("Status"), display("status")),
    Column(_("Installation address"), path("installation_address")),
    Column(_("Zone"), path("zone")),
    Column(_("Neighbourhood"), path("neighbourhood")),
    Column(_("Installed on"), path("installed_on"), Kind.DATE),
    Column(_("Minimum permanence (months)"), path("minimum_permanence_months"), Kind.INT),
    Column(_("Permanence ends on"), path("permanence_ends_on"), Kind.DATE),
    Column(_("Withdrawn on"), path("withdrawn_on"), Kind.DATE),
]


def portfolio_xlsx(companies):
    """The portfolio page's companies (`customers.selectors.portfolio`)."""
    return xlsx_response(
        companies,
        columns=PORTFOLIO_COLUMNS,
        filename=dated_filename("cartera"),
        sheet=str(_("Portfolio")),
    )


@login_required
@require_GET
def products_xlsx(request):
    """/clientes/productos.xlsx: the products of the companies the user may
    see, with the portfolio page's filters (search, executive) and the
    product's own: company, type, technology, status, plan. A value that
    makes no sense filters nothing, as on the portfolio page."""
    form = PortfolioSearchForm(request.GET, sees_every_portfolio=sees_every_portfolio(request.user))
    products = products_visible_to(
        user=request.user,
        **form.filters(),
        company_id=query_id(request.GET, "company"),
        product_type=query_choice(request.GET, "type", ProductTypeCode.choices),
        technology=query_choice(request.GET, "technology", Technology.choices),
        status=query_choice(request.GET, "status", ProductStatus.choices),
        plan_id=query_id(request.GET, "plan"),
    )
    return xlsx_response(
        products,
        columns=PRODUCT_COLUMNS,
        filename=dated_filename("productos"),
        sheet=str(_("Products")),
    )
