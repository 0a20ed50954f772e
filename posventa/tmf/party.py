"""TMF632 Party Management v4, organizations only, read-only, at
/tmf-api/party/v4/organization: the enterprise customers
(posventa/customers `Company`) as TMF `Organization` resources, with their
contacts as contact media. The mapping, field by field, is in docs/tmf.md
("TMF632 Party Management"); every answer validates against the official
document (docs/tmf/TMF632-Party-v4.json).

Only the companies the caller may see exist for her: another portfolio's
company answers 404, exactly as a missing one.
"""

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from posventa.common.nit import normalize_nit
from posventa.customers.models import Company, Contact
from posventa.tmf import tmf630
from posventa.tmf.product_inventory import PAGED, checked_query

router = Router(tags=["TMF632 Party Management"])

PATH = "/tmf-api/party/v4/organization"

# Every company on file has a NIT the system validated (customers.Company);
# Posventa keeps no lifecycle for a company, so none is ever "initialized"
# or "closed" here.
STATUS = "validated"
ORGANIZATION_TYPES = {False: "company", True: "publicInstitution"}
NIT_AUTHORITY = "Servicio de Impuestos Nacionales"

FILTERS = (
    "id",
    "name",
    "tradingName",
    "status",
    "organizationType",
    "organizationIdentification.identificationId",
    "externalReference.name",
)


def companies_for(user) -> QuerySet[Company]:
    """The companies `user` may see, with what a representation reads."""
    return (
        Company.objects.visible_to(user)
        .select_related("executive")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name", "pk"))
        )
        .order_by("legal_name", "pk")
    )


def _contact_media(company: Company) -> list[dict]:
    media = [
        {
            "mediumType": "postalAddress",
            "preferred": False,
            "characteristic": {
                "contactType": "headOffice",
                "street1": company.address,
                **({"street2": company.neighbourhood} if company.neighbourhood else {}),
                **({"stateOrProvince": company.zone} if company.zone else {}),
                "city": company.city,
                "country": "Bolivia",
            },
        }
    ]
    for contact in company.contacts.all():
        channels = (
            ("email", contact.email, "emailAddress", "email"),
            ("phone", contact.phone, "phoneNumber", "phone"),
            ("phone", contact.whatsapp, "phoneNumber", "whatsapp"),
        )
        for medium, value, attribute, channel in channels:
            if value:
                media.append(
                    {
                        "mediumType": medium,
                        "preferred": contact.is_primary and contact.preferred_channel == channel,
                        # Whose medium it is has no place in TMF632 v4's
                        # ContactMedium: the person is in relatedParty.
                        "characteristic": {"contactType": channel, attribute: value},
                    }
                )
    return media


def representation(company: Company, base: str = "") -> dict:
    """TMF632's `Organization` for `company`."""
    body = {
        "id": str(company.pk),
        "href": f"{base}{PATH}/{company.pk}",
        "name": company.legal_name,
        "isLegalEntity": True,
        "organizationType": ORGANIZATION_TYPES[company.is_public_institution],
        "status": STATUS,
        "organizationIdentification": [
            {
                "identificationId": company.nit,
                "identificationType": "NIT",
                "issuingAuthority": NIT_AUTHORITY,
            }
        ],
        "externalReference": [{"externalReferenceType": "NIT", "name": company.nit}],
        "contactMedium": _contact_media(company),
        "relatedParty": [
            *(
                {
                    "id": f"contact-{contact.pk}",
                    "name": contact.name,
                    "role": contact.position or "contact",
                    "@referredType": "Individual",
                }
                for contact in company.contacts.all()
            ),
            {
                "id": company.executive.username,
                "name": company.executive.get_full_name() or company.executive.username,
                "role": "accountManager",
                "@referredType": "Individual",
            },
        ],
        "@type": "Organization",
    }
    if company.trade_name:
        body["tradingName"] = company.trade_name
    return body


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _pk(value: str) -> int | None:
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _one_of(name: str, values: list[str], known) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise tmf630.BadQuery(
            _("Unknown value %(value)s for %(name)s. It can be: %(known)s.")
            % {"value": unknown[0][:50], "name": name, "known": ", ".join(known)}
        )


def filtered(companies: QuerySet[Company], asked: dict[str, list[str]]) -> QuerySet[Company]:
    """The TMF630 attribute filters (a comma is "any of")."""
    if "id" in asked:
        companies = companies.filter(pk__in=[pk for v in asked["id"] if (pk := _pk(v)) is not None])
    if "name" in asked:
        companies = companies.filter(legal_name__in=asked["name"])
    if "tradingName" in asked:
        companies = companies.filter(trade_name__in=asked["tradingName"])
    if "status" in asked:
        _one_of("status", asked["status"], (STATUS, "initialized", "closed"))
        if STATUS not in asked["status"]:
            companies = companies.none()
    if "organizationType" in asked:
        types = {tmf: ours for ours, tmf in ORGANIZATION_TYPES.items()}
        _one_of("organizationType", asked["organizationType"], tuple(types))
        companies = companies.filter(
            is_public_institution__in=[types[v] for v in asked["organizationType"]]
        )
    for name in ("organizationIdentification.identificationId", "externalReference.name"):
        if name in asked:
            companies = companies.filter(nit__in=[normalize_nit(v) for v in asked[name]])
    return companies


@router.get(
    "/organization",
    response=tmf630.responses({200: list[dict]}),
    summary="List organizations",
    description="The companies you may see (TMF632 `Organization`). Filters: "
    + ", ".join(FILTERS)
    + " (a comma means any of).",
    openapi_extra=PAGED,
)
def list_organizations(
    request,
    response: HttpResponse,
    fields: tmf630.Fields = None,
    offset: tmf630.Offset = 0,
    limit: tmf630.Limit = tmf630.DEFAULT_LIMIT,
):
    asked = checked_query(request, FILTERS)
    companies = filtered(companies_for(request.auth), asked)
    base = _base(request)
    return [
        tmf630.select_fields(representation(company, base), fields)
        for company in tmf630.page(response, companies, limit=limit, offset=offset)
    ]


@router.get(
    "/organization/{id}",
    response=tmf630.responses({200: dict}, 404),
    summary="Retrieve an organization",
    description="One company (TMF632 `Organization`); 404 when it does not exist or is "
    "not in a portfolio you may see.",
)
def retrieve_organization(request, id: str, fields: tmf630.Fields = None):
    tmf630.check_query(request, ())
    pk = _pk(id)
    company = companies_for(request.auth).filter(pk=pk).first() if pk is not None else None
    if company is None:
        raise Http404
    return tmf630.select_fields(representation(company, _base(request)), fields)
