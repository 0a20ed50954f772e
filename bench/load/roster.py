"""The roster of the load test: who the simulated people are.

`write_roster(path, password=...)` runs inside Django (the caller did
`django.setup()`): it reads the team from the database — the users of each
role, and for every executive a slice of her own portfolio's companies with
their active products (the plans each may change to, the product type) — and
writes the JSON the locustfile reads (bench/load/locustfile.py). For the two
API clients it creates API tokens through the project's own token service
(posventa/api/services.py: the key is shown once and only its hash is kept).

The password is the same for every user: given by the caller, else the env
var LOAD_PASSWORD, else the demo's ("posventa2026").

Standalone, on any Posventa database:

    DEBUG=1 .venv/bin/python bench/load/roster.py OUT.json [--password P]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

DEMO_PASSWORD = "posventa2026"
COMPANIES_PER_EXECUTIVE = 40
PRODUCTS_PER_COMPANY = 6
TOKEN_NAME = "carga (locust)"
# The API clients: an integration of the commercial side and one of the
# technical side, each working its role's inbox over /api/v1/.
API_CLIENT_ROLES = ("commercial_manager", "technical_analyst")


def _team(role: str) -> list:
    from posventa.accounts.models import User

    return list(User.objects.filter(role=role, is_active=True).order_by("username"))


def _portfolio(executive) -> list[dict]:
    """A slice of the executive's companies that have active products, each
    with its products and the plans of the same type each may change to."""
    from posventa.catalog.models import Plan
    from posventa.customers.models import Company
    from posventa.inventory.models import Product, ProductStatus

    plans_by_type: dict[int, list[int]] = {}
    for plan_id, type_id in Plan.objects.filter(is_active=True).values_list(
        "pk", "product_type_id"
    ):
        plans_by_type.setdefault(type_id, []).append(plan_id)
    companies = (
        Company.objects.filter(executive=executive, products__status=ProductStatus.ACTIVE)
        .distinct()
        .order_by("pk")[:COMPANIES_PER_EXECUTIVE]
    )
    out = []
    for company in companies:
        products = (
            Product.objects.filter(company=company, status=ProductStatus.ACTIVE)
            .select_related("plan__product_type")
            .order_by("pk")[:PRODUCTS_PER_COMPANY]
        )
        rows = [
            {
                "id": product.pk,
                "service_number": product.service_number,
                "type": product.plan.product_type.code,
                "plan_id": product.plan_id,
                "other_plan_ids": [
                    pk
                    for pk in plans_by_type.get(product.plan.product_type_id, [])
                    if pk != product.plan_id
                ],
            }
            for product in products
        ]
        if rows:
            out.append({"id": company.pk, "nit": company.nit, "products": rows})
    return out


def write_roster(path: Path, password: str | None = None) -> dict:
    """Write the roster JSON to `path` and return it (tokens included)."""
    from posventa.api.services import token_create

    executives = []
    for user in _team("executive"):
        companies = _portfolio(user)
        if companies:
            executives.append({"username": user.username, "companies": companies})
    api_clients = []
    for role in API_CLIENT_ROLES:
        people = _team(role)
        if not people:
            continue
        user = people[-1]  # the last of the role: the web people start at the first
        _token, key = token_create(user=user, name=TOKEN_NAME)
        api_clients.append({"username": user.username, "role": role, "token": key})
    roster = {
        "password": password or os.environ.get("LOAD_PASSWORD") or DEMO_PASSWORD,
        "base_path": "",
        "executives": executives,
        "commercial_managers": [u.username for u in _team("commercial_manager")],
        "technical_managers": [u.username for u in _team("technical_manager")],
        "technical_analysts": [u.username for u in _team("technical_analyst")],
        "team_leads": [u.username for u in _team("team_lead")],
        "division_heads": [u.username for u in _team("division_head")],
        "api_clients": api_clients,
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(roster, ensure_ascii=False, indent=1), encoding="utf-8")
    return roster


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Write the load test's roster JSON.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--password", default=None)
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    roster = write_roster(args.out, password=args.password)
    companies = sum(len(e["companies"]) for e in roster["executives"])
    print(
        f"{args.out}: {len(roster['executives'])} executives ({companies} companies), "
        f"{len(roster['commercial_managers'])} commercial, "
        f"{len(roster['technical_managers'])} technical managers, "
        f"{len(roster['technical_analysts'])} analysts, {len(roster['team_leads'])} team leads, "
        f"{len(roster['division_heads'])} division heads, {len(roster['api_clients'])} API clients"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
