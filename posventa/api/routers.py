"""The API's routers beyond the cases and tasks of posventa/api/api.py, one
module per topic; api.py mounts each at its prefix under /api/v1/."""

from ninja import Router

from posventa.api.claims import router as claims_router
from posventa.events.hub import hub_router
from posventa.indicators.api import router as indicators_router

ROUTERS: list[tuple[str, Router]] = [
    # The month's indicators and the cases behind them (posventa/indicators).
    ("/indicators", indicators_router),
    # Billing complaints and UTAR's answers (procedure F).
    ("/claims", claims_router),
    # TMF688 hub of the native events: register a webhook (posventa/events, docs/events.md).
    ("/hub", hub_router("posventa")),
]
