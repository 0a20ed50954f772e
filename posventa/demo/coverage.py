"""The demo's network coverage table: where copper and fiber reach in the
Cochabamba metropolitan area and how many ports each still has free — what the
feasibility check of a relocation (procedure C) reads.

Every neighbourhood of the demo portfolio is there, plus a few more; some have
no fiber, and some have a network that is full. Idempotent: a row that exists
(same zone, neighbourhood and technology) is left as the team edited it.
"""

from collections import Counter

from django.db import transaction

from posventa.common.services import validated_save
from posventa.integrations.models import Coverage, place_key

# (zone, neighbourhood, {technology: spare ports}, network node)
# fmt: off
COVERAGE = [
    ("Zona Central", "Casco Viejo", {"copper": 42, "fiber": 26}, "Central Centro · armario CC-04"),
    ("Zona Norte", "Queru Queru", {"copper": 18, "fiber": 34}, "Central Norte · NAP QQ-11"),
    ("Zona Norte", "Temporal", {"fiber": 22}, "Central Norte · NAP TM-02"),
    ("Zona Norte", "Mayorazgo", {"copper": 5, "fiber": 12}, "Central Norte · armario MY-01"),
    ("Zona Noroeste", "Cala Cala", {"copper": 21, "fiber": 15}, "Central Norte · NAP CC-07"),
    ("Zona Oeste", "Sarco", {"copper": 10, "fiber": 6}, "Central Oeste · armario SR-03"),
    ("Zona Este", "Tupuraya", {"copper": 8, "fiber": 0}, "Central Este · NAP TP-05"),
    ("Zona Este", "Muyurina", {"copper": 9, "fiber": 14}, "Central Este · NAP MU-02"),
    ("Zona Este", "Las Cuadras", {"copper": 3}, "Central Este · armario LC-01"),
    ("Zona Sudoeste", "Hipódromo", {"copper": 12}, "Central Sudoeste · armario HP-02"),
    ("Zona Sud", "Jaihuayco", {"copper": 7}, "Central Sud · armario JH-06"),
    ("Zona Sud", "Villa Pagador", {"copper": 0}, "Central Sud · armario VP-01"),
    ("Sacaba", "Centro de Sacaba", {"copper": 6, "fiber": 4}, "Central Sacaba · NAP SC-01"),
    ("Quillacollo", "Centro de Quillacollo", {"copper": 11, "fiber": 5}, "Quillacollo · NAP QC-03"),
    ("Tiquipaya", "Linde", {"copper": 0, "fiber": 3}, "Central Tiquipaya · NAP TQ-01"),
    ("Colcapirhua", "Centro de Colcapirhua", {"copper": 4}, "Quillacollo · armario CL-02"),
]
# fmt: on


@transaction.atomic
def load_coverage() -> Counter:
    """Add the coverage rows that are missing; returns how many were added."""
    created: Counter = Counter()
    existing = set(Coverage.objects.values_list("zone_key", "neighbourhood_key", "technology"))
    for zone, neighbourhood, ports, node in COVERAGE:
        for technology, spare_ports in ports.items():
            if (place_key(zone), place_key(neighbourhood), technology) in existing:
                continue
            validated_save(
                Coverage(
                    zone=zone,
                    neighbourhood=neighbourhood,
                    technology=technology,
                    spare_ports=spare_ports,
                    network_node=node,
                )
            )
            created["coverage"] += 1
    return created
