"""The TMF688 hubs: where a client registers a callback for the events
(docs/events.md). One router per API, mounted at its base path:

- /api/v1/hub: the native events (`{"id", "kind", "occurred_at", "data"}`);
- /tmf-api/troubleTicket/v4/hub, /tmf-api/productOrdering/v4/hub,
  /tmf-api/productInventory/v4/hub: that API's TMF events.

    POST   hub        {"callback": "https://…", "query": "eventType=…"}
                      → 201 {"id", "callback", "query", "secret"}
    GET    hub/{id}   → 200 {"id", "callback", "query"}
    DELETE hub/{id}   → 204

The secret that signs the deliveries is in the POST's answer only: it is
never shown again. A subscription is its token's user's: another user's
answers 404, as a missing one; it receives the events about the customers
that user may see. An id that is not one (a positive 64-bit integer) is
refused by its bounds, naming `subscription_id`, before anything is looked
up. The refusals take the shape of the API the router is mounted on (its own
exception handlers): /api/v1/'s `{"code", "detail", "errors"}` (a 422),
TMF630's Error object under /tmf-api/ (a 400 invalidQuery).
"""

from django.http import Http404
from ninja import Field, Router, Schema, Status

from posventa.api.types import Id, Text
from posventa.events.models import HubApi, Subscription
from posventa.events.services import subscription_create, subscription_delete


class HubIn(Schema):
    callback: Text(500, min_length=1) = Field(
        description="The listener's URL (http or https, a public address); "
        "the events are POSTed to it, signed."
    )
    query: Text(500) = Field(
        "",
        description="Which events: `eventType=a,b` and `attribute=value` pairs joined by "
        "`&`; empty for all.",
    )


class HubOut(Schema):
    id: str
    callback: str
    query: str


class HubCreated(HubOut):
    secret: str = Field(
        description="Signs every delivery (X-Posventa-Signature, docs/events.md). Shown "
        "only in this answer: keep it."
    )


def _out(subscription: Subscription) -> dict:
    return {
        "id": str(subscription.pk),
        "callback": subscription.callback,
        "query": subscription.query,
    }


def _mine(request, api: str, subscription_id: int) -> Subscription:
    """The caller's subscription on this hub; anyone else's, or a missing
    one, is the same 404. (An id that is not one, a positive 64-bit integer,
    never gets here: the path parameter's bounds make it a 422 naming
    `subscription_id`, whatever rows exist.)"""
    subscription = Subscription.objects.filter(
        pk=subscription_id, api=api, owner_id=request.user.pk
    ).first()
    if subscription is None:
        raise Http404
    return subscription


def hub_router(api: str) -> Router:
    """The TMF688 hub of `api` (a HubApi value), errors in that API's shape."""
    if api not in HubApi.values:
        raise ValueError(f"Unknown hub: {api}")
    if api == HubApi.POSVENTA:
        from posventa.api.errors import responses
    else:
        from posventa.tmf.tmf630 import responses

    router = Router(tags=["hub"])
    # One hub per API in the same document: each operation named after its hub
    # (an OpenAPI operationId is unique, and client generators rely on it).
    name = f"{api}_hub"

    @router.post(
        "",
        response=responses({201: HubCreated}, 403, body=True),
        operation_id=f"{name}_register_listener",
    )
    def register_listener(request, payload: HubIn):
        """Register a listener: the events of this API that match `query` are
        POSTed to `callback`, signed with the secret given in this answer (once)."""
        subscription, secret = subscription_create(
            api=api, callback=payload.callback, query=payload.query, owner=request.user
        )
        return Status(201, {**_out(subscription), "secret": secret})

    @router.get(
        "/{subscription_id}",
        response=responses({200: HubOut}, 404),
        operation_id=f"{name}_get_listener",
    )
    def get_listener(request, subscription_id: Id):
        """One of my listeners on this hub (its secret is never shown again)."""
        return _out(_mine(request, api, subscription_id))

    @router.delete(
        "/{subscription_id}",
        response=responses({204: None}, 404),
        operation_id=f"{name}_unregister_listener",
    )
    def unregister_listener(request, subscription_id: Id):
        """Unregister a listener: nothing more is sent to it, pending deliveries included."""
        subscription_delete(subscription=_mine(request, api, subscription_id))
        return Status(204, None)

    return router
