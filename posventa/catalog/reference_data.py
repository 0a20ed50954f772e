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

# --- The equipment catalogue (procedures H and C: the equipment returned) -----------------
#
# The manual gives no price for a part or a device: every figure below is a
# placeholder, marked "not from the manual", that the commercial team sets in
# the administration (Catalogue › Tariffs).

PLACEHOLDER_NOTE = "Valor por defecto editable: el manual no fija el monto."

EQUIPMENT_PARTS = [
    # (part code, name, tariff code, replacement price in Bs)
    ("power_supply", "Fuente de poder (adaptador)", "part_power_supply", Decimal("45.00")),
    ("remote_control", "Control remoto", "part_remote_control", Decimal("35.00")),
    ("hdmi_cable", "Cable HDMI", "part_hdmi_cable", Decimal("25.00")),
    ("network_cable", "Cable de red (Ethernet)", "part_network_cable", Decimal("15.00")),
    ("phone_cord", "Cable telefónico (RJ11)", "part_phone_cord", Decimal("10.00")),
    ("fiber_patch_cord", "Cordón de fibra (patch cord)", "part_fiber_patch_cord", Decimal("30.00")),
    ("antenna", "Antena", "part_antenna", Decimal("40.00")),
    ("handset", "Auricular (microteléfono)", "part_handset", Decimal("50.00")),
    ("usb_cable", "Cable USB", "part_usb_cable", Decimal("15.00")),
]

EQUIPMENT_TYPES = [
    # (kind, its parts, tariff code of the whole device, replacement price in Bs)
    ("modem", ["power_supply", "network_cable", "phone_cord"], "device_modem", Decimal("250.00")),
    ("router", ["power_supply", "network_cable", "antenna"], "device_router", Decimal("300.00")),
    (
        "ont",
        ["power_supply", "network_cable", "fiber_patch_cord"],
        "device_ont",
        Decimal("450.00"),
    ),
    (
        "decoder",
        ["power_supply", "remote_control", "hdmi_cable"],
        "device_decoder",
        Decimal("350.00"),
    ),
    ("phone", ["handset", "phone_cord"], "device_phone", Decimal("120.00")),
    ("hspa_modem", ["antenna", "usb_cable"], "device_hspa_modem", Decimal("200.00")),
]

EQUIPMENT_TARIFFS = [
    (tariff_code, amount, "bs_per_unit", False, PLACEHOLDER_NOTE)
    for _code, _name, tariff_code, amount in EQUIPMENT_PARTS
] + [
    (tariff_code, amount, "bs_per_unit", False, PLACEHOLDER_NOTE)
    for _kind, _parts, tariff_code, amount in EQUIPMENT_TYPES
]

# --- The team's own rules (not the manual's) ------------------------------------------------
#
# What the procedures apply where the manual is silent, with today's values;
# the team lead edits them in the administration (Catálogo › Reglas del
# equipo). The notes say what the manual does say, and why the value.

TEAM_RULES = [
    # (code, procedure, label, days, option, percent, note)
    (
        "i_promise_max_days",
        "I",
        "Plazo máximo de la promesa de pago",
        7,
        "",
        None,
        "Regla del equipo (no del manual). El manual (I, paso 6) revisa «durante la semana» "
        "la facturación de quienes se comprometieron a pagar; no fija plazo a la promesa. "
        "El equipo acepta una fecha de pago de hasta estos días desde la llamada.",
    ),
    (
        "i_dunning_letter_trigger",
        "I",
        "Cuándo se emite la carta de información mora",
        None,
        "no_promise",
        None,
        "Regla del equipo (no del manual). El manual lista la carta de información mora "
        "(original y copia) entre los documentos del procedimiento, sin decir cuándo se "
        "emite. El equipo la emite al cliente que no se compromete a pagar.",
    ),
    (
        "i_promise_kept",
        "I",
        "Cuándo se cumple una promesa de pago",
        None,
        "promised_amount",
        None,
        "Regla del equipo (no del manual). El manual (I, paso 6) revisa si pagaron quienes "
        "se comprometieron, sin definir cuándo se cumple la promesa. Lo que aún no vence no "
        "cuenta en ninguna de las dos opciones.",
    ),
    (
        "h_penalty_formula",
        "H",
        "Fórmula de la penalidad por retiro anticipado",
        None,
        "whole_months",
        Decimal("50.00"),
        "Regla del equipo (no del manual). El manual (H, paso 5) consulta si el cliente "
        "acepta la penalidad por incumplir la permanencia mínima, sin dar su cálculo. El "
        "porcentaje se aplica a la mensualidad del plan.",
    ),
]

# The tariff the penalty's charge carries: its percentage is the team rule's.
PENALTY_TARIFF_NOTE = (
    "Regla del equipo (no del manual): el porcentaje y la fórmula se fijan en Catálogo › "
    "Reglas del equipo › «Fórmula de la penalidad por retiro anticipado»; esta tarifa solo "
    "clasifica el cargo."
)
