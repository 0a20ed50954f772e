"""Pages of a list, the same on every list of /api/v1/.

The query takes `limit` (1 to 500, 50 by default) and `offset` (0 by
default); the answer's body is the page's items, and its headers tell the
whole:

- `X-Total-Count`: how many items the list has, all pages together;
- `Link` (RFC 8288): the `first`, `prev`, `next` and `last` pages' URLs,
  with the request's other query parameters kept (a `prev` only after the
  first page, a `next` only before the last).

An endpoint takes the two parameters and a `response: HttpResponse` (ninja
then lets it set headers), and returns `page(...)`; `PAGED` documents the
headers on its 200 in the OpenAPI schema:

    @router.get("", response=responses({200: list[ThingOut]}), openapi_extra=PAGED)
    def list_things(request, response: HttpResponse, limit: Limit = DEFAULT_LIMIT,
                    offset: Offset = 0):
        return [_out(t) for t in page(request, response, things, limit=limit, offset=offset)]
"""

from collections.abc import Sequence
from typing import Annotated, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from pydantic import Field

from posventa.api.types import MAX_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"How many items, 1 to {MAX_LIMIT}.")]
Offset = Annotated[int, Field(ge=0, le=MAX_ID, description="How many items to skip.")]

T = TypeVar("T")

PAGED = {
    "responses": {
        "200": {
            "headers": {
                "X-Total-Count": {
                    "description": "How many items the list has, all pages together.",
                    "schema": {"type": "integer", "minimum": 0},
                },
                "Link": {
                    "description": 'The pages\' URLs (RFC 8288): rel="first", "prev", '
                    '"next", "last".',
                    "schema": {"type": "string"},
                },
            }
        }
    }
}


def page(
    request: HttpRequest,
    response: HttpResponse,
    items: QuerySet | Sequence[T],
    *,
    limit: int,
    offset: int,
) -> list:
    """The items from `offset`, at most `limit`; sets X-Total-Count and Link."""
    total = items.count() if isinstance(items, QuerySet) else len(items)
    response["X-Total-Count"] = str(total)

    def url(at: int) -> str:
        query = request.GET.copy()
        query["limit"] = str(limit)
        query["offset"] = str(at)
        return f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"

    last = (total - 1) // limit * limit if total else 0
    links = [("first", 0)]
    if offset > 0:
        links.append(("prev", max(0, min(offset - limit, last))))
    if offset + limit < total:
        links.append(("next", offset + limit))
    links.append(("last", last))
    response["Link"] = ", ".join(f'<{url(at)}>; rel="{rel}"' for rel, at in links)
    return list(items[offset : offset + limit])
