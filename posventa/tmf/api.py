"""/tmf-api/: the TM Forum Open API facades over the post-sale cases
(docs/tmf.md). A NinjaAPI of its own — its OpenAPI document at
/tmf-api/openapi.json (no Swagger page: it loads from a CDN) — with /api/v1/'s bearer
tokens and failed-token lockout, and `Idempotency-Key` on every POST and
PATCH (posventa/api/idempotency.py). Its refusals are TMF630's Error object
in Spanish (posventa/tmf/tmf630.py).

Each facade is a router in its own module, mounted at its TMF base path
(`FACADES`): add a line there to mount another one.
"""

from ninja import Router

from posventa.api import throttle
from posventa.api.api import BearerToken
from posventa.events.hub import hub_router
from posventa.tmf import tmf630
from posventa.tmf.party import router as party_router
from posventa.tmf.party_interaction import router as party_interaction_router
from posventa.tmf.product_inventory import router as product_inventory_router
from posventa.tmf.product_ordering import router as product_ordering_router
from posventa.tmf.trouble_ticket import router as trouble_ticket_router

api = tmf630.TMFAPI(
    title="Posventa TM Forum Open APIs",
    version="4",
    description=(
        "TM Forum Open API facades over the post-sale cases: TMF621 Trouble Ticket "
        "(damage, billing complaints) and TMF622 Product Ordering (plan change, "
        "supplementary services, relocation, suspension, withdrawal), following the "
        "TMF630 REST guidelines (docs/tmf.md).\n\n"
        "**Auth.** `Authorization: Bearer pv_…`, the same tokens as /api/v1/.\n\n"
        "**Errors.** Every 4xx answer is TMF630's `Error` object "
        '`{"code", "reason", "message", "status", "@type": "Error"}` in Spanish. '
        "400 a query parameter or body the operation does not take; 401 no or bad token; "
        "403 the role may not; 404 missing or not in your portfolio (the same answer); "
        "405 the method is not supported; 409 a collision with an open case, or an "
        "Idempotency-Key reused; 413 body too large; 422 a value refused; 429 too many "
        "requests.\n\n"
        "**Lists.** `offset`, `limit` (X-Total-Count, X-Result-Count), `fields=` and "
        "filters by attribute (a comma means any of)."
    ),
    auth=BearerToken(),
    urls_namespace="tmf",
    # No Swagger page: ninja's loads its script from a CDN, and the product runs on a
    # closed network. The OpenAPI document is the reference.
    docs_url=None,
)
throttle.install(api)
tmf630.install(api)

# The facades: TMF base path → router.
FACADES: list[tuple[str, Router]] = [
    ("/troubleTicket/v4", trouble_ticket_router),
    ("/productOrdering/v4", product_ordering_router),
    ("/productInventory/v4", product_inventory_router),
    ("/partyInteraction/v4", party_interaction_router),
    ("/party/v4", party_router),
    # TMF688 hubs: register a webhook for each API's events (posventa/events, docs/events.md).
    ("/troubleTicket/v4/hub", hub_router("troubleTicket")),
    ("/productOrdering/v4/hub", hub_router("productOrdering")),
    ("/productInventory/v4/hub", hub_router("productInventory")),
]

for prefix, router in FACADES:
    api.add_router(prefix, router)
