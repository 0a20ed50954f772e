"""The catalogue's reference data: what the manual names, and the fee defaults.

Loaded by a data migration, so every database (tests included) has it; the
admin edits the amounts afterwards. Plans are commercial offers, not reference
data: the demo loads a believable set.
"""

from decimal import Decimal

PRODUCT_TYPES = [
    # (code, name, installed on copper or fiber)
    ("fixed_line", "Línea telefónica fija", True),
    ("internet", "Internet", True),
    ("pay_tv", "TV cable", True),
    ("duo_pack", "Duo Pack", True),
    ("multipack", "Multipack", True),
    ("hspa", "HSPA (banda ancha móvil)", False),
    ("boliviatel_ld", "Larga distancia Boliviatel", False),
]

SUPPLEMENTARY_SERVICES = [
    ("caller_id", "Identificador de llamadas", "Muestra el número de quien llama."),
    ("pin_ao", "PIN – categoría AO", "Llamadas salientes con código PIN."),
    (
        "routing_013_y",
        "Categoría de encaminamiento 013 – Y",
        "Encaminamiento vía 013, categoría Y.",
    ),
    (
        "routing_013_z",
        "Categoría de encaminamiento 013 – Z",
        "Encaminamiento vía 013, categoría Z.",
    ),
    (
        "routing_013_s",
        "Categoría de encaminamiento 013 – S",
        "Encaminamiento vía 013, categoría S.",
    ),
    ("call_transfer", "Transferencia de llamadas", "Desvía las llamadas a otro número."),
    ("call_waiting", "Llamada en espera", "Avisa de una segunda llamada entrante."),
    ("centrex", "Centrex", "Central virtual: extensiones y marcación abreviada."),
]

TARIFFS = [
    # (code, amount, unit, from the manual, note)
    (
        "call_detail_previous_month",
        Decimal("12.00"),
        "bs_per_month",
        True,
        "Manual, procedimiento G: el mes en curso es gratuito; cada mes anterior Bs 12.",
    ),
    (
        "basic_telephony",
        Decimal("70.00"),
        "bs_per_month",
        True,
        "Manual, procedimiento H: parte de telefonía básica del Multipack, se cobra entera.",
    ),
    (
        "supplementary_service",
        Decimal("20.00"),
        "bs_per_event",
        False,
        "Valor por defecto editable: el manual no fija el monto.",
    ),
    (
        "relocation",
        Decimal("150.00"),
        "bs_per_event",
        False,
        "Valor por defecto editable: el manual no fija el monto.",
    ),
    (
        "excess_cable_per_metre",
        Decimal("5.00"),
        "bs_per_metre",
        False,
        "Valor por defecto editable: el manual no fija el monto.",
    ),
    (
        "early_termination_penalty",
        Decimal("50.00"),
        "percent",
        False,
        "Valor por defecto editable: porcentaje de las mensualidades que faltan para "
        "cumplir la permanencia mínima.",
    ),
]
