"""Which BPMN process runs each procedure of the manual, and which role each
lane of the diagrams stands for."""

from posventa.accounts.roles import Role
from posventa.inventory.models import ProductStatus
from posventa.inventory.rules import TELEPHONY_PRODUCT_TYPES

# Procedure letter → the BPMN process id under procedures/bpmn/.
PROCESS_IDS = {
    "A": "a_supplementary_services",
    "B": "b_plan_change",
    "C": "c_relocation",
    "D": "d_suspension",
    "E": "e_damage",
    "F": "f_billing_complaint",
    "G": "g_call_detail",
    "H": "h_withdrawal",
    "I": "i_collections",
    "J": "j_loyalty_calls",
    "K": "k_preventive_review",
    "L": "l_support_visits",
}

# Lane names as drawn in the diagrams (Spanish, as the team reads them) → role.
LANES = {
    "Ejecutivo(a)": Role.EXECUTIVE,
    "Gestor(a) comercial": Role.COMMERCIAL_MANAGER,
    "Gestor(a) técnico": Role.TECHNICAL_MANAGER,
    "Analista técnico": Role.TECHNICAL_ANALYST,
    "Responsable de equipo": Role.TEAM_LEAD,
    "Jefe de división": Role.DIVISION_HEAD,
}


def process_id_for(procedure: str) -> str | None:
    return PROCESS_IDS.get(procedure)


# The procedures the team starts by calling the customer (collections, loyalty
# calls, preventive review): no request came in, so opening the case records no
# inbound interaction — the call is recorded by its own step, as outbound.
TEAM_INITIATED = ("I", "J", "K")


def customer_asked(procedure: str) -> bool:
    return procedure not in TEAM_INITIATED


# The products a procedure is about: the case is opened on one of them.
# (None: any product of the customer that is not withdrawn.)
PRODUCT_TYPES = {
    "A": TELEPHONY_PRODUCT_TYPES,
    "B": None,
    "C": ("fixed_line", "internet", "pay_tv", "duo_pack", "multipack"),  # copper or fiber
    "D": None,
    "E": None,  # any product not withdrawn: the one with the damage
    "F": None,  # the product whose invoice is disputed
    "G": ("fixed_line", "duo_pack", "multipack", "boliviatel_ld"),  # lines with call detail
    "H": None,  # any product not withdrawn yet
    # I: not here — a collections case is on the customer; a product is optional.
    "J": None,  # the product the campaign call is about (E runs on it)
    "K": None,  # the product the review item is about
    # L: not here — a visit is on the customer; a product is optional.
}


def needs_product(procedure: str) -> bool:
    return procedure in PRODUCT_TYPES


def products_for(procedure: str, company):
    """The customer's products a case of this procedure may be opened on."""
    products = company.products.exclude(status=ProductStatus.WITHDRAWN)
    types = PRODUCT_TYPES.get(procedure)
    if types:
        products = products.filter(plan__product_type__code__in=types)
    return products.select_related("plan__product_type").order_by("service_number")
