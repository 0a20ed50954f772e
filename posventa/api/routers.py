"""The API's routers beyond the cases and tasks of posventa/api/api.py, one
module per topic; api.py mounts each at its prefix under /api/v1/."""

from ninja import Router

from posventa.api.billing import router as billing_router
from posventa.api.campaigns import router as campaigns_router
from posventa.api.cases import cases_router
from posventa.api.claims import router as claims_router
from posventa.api.collections import router as collections_router
from posventa.api.customers import router as customers_router
from posventa.api.inventory import router as products_router
from posventa.api.reviews import router as reviews_router
from posventa.api.visits import router as visits_router
from posventa.api.workorders import router as workorders_router
from posventa.events.hub import hub_router
from posventa.indicators.api import router as indicators_router

ROUTERS: list[tuple[str, Router]] = [
    # A case's timeline and documents (the cases and tasks themselves: api.py).
    ("/cases", cases_router),
    # The portfolio, a customer's contacts and interactions.
    ("/customers", customers_router),
    # The customers' products, with services, equipment and suspensions.
    ("/products", products_router),
    # Invoices and what each customer owes.
    ("/billing", billing_router),
    # The month's indicators and the cases behind them (posventa/indicators).
    ("/indicators", indicators_router),
    # Billing complaints and UTAR's answers (procedure F).
    ("/claims", claims_router),
    # Work orders of the field units: list, assign, reschedule, close.
    ("/work-orders", workorders_router),
    # The shared visit calendar and its schedules (procedure L, Annex 1).
    ("/visits", visits_router),
    # Call campaigns and their calls (procedure J).
    ("/campaigns", campaigns_router),
    # The preventive review list and the analysts' daily report (procedure K).
    ("/reviews", reviews_router),
    # Proforma runs, proformas, debtors, the collection call, promises (procedure I).
    ("/collections", collections_router),
    # TMF688 hub of the native events: register a webhook (posventa/events, docs/events.md).
    ("/hub", hub_router("posventa")),
]
