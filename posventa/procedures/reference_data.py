"""Default requirement checklists, loaded by a data migration; the team edits
them per procedure in the admin."""

# (document kind, label, only when someone else signs)
GENERAL_REQUIREMENTS = [
    ("request_letter", "Carta de solicitud firmada", False),
    ("nit_copy", "Fotocopia del NIT", False),
    ("id_copy", "Fotocopia del carnet del representante legal", False),
    ("power_of_attorney", "Poder notariado (si firma otra persona)", True),
]

REQUIREMENTS = {
    "A": GENERAL_REQUIREMENTS,
    "B": GENERAL_REQUIREMENTS,
    "C": [*GENERAL_REQUIREMENTS, ("other", "Croquis de ubicación de la nueva dirección", False)],
    # Comteco call detail: the request letter (Boliviatel's needs none).
    "G": [
        ("request_letter", "Carta de solicitud firmada", False),
        ("nit_copy", "Fotocopia del NIT", False),
        ("id_copy", "Fotocopia del carnet del representante legal", False),
        ("power_of_attorney", "Poder notariado (si firma otra persona)", True),
    ],
    # Withdrawal: the letter must state the cause.
    "H": [
        ("request_letter", "Carta de solicitud firmada que indique la causa del retiro", False),
        ("nit_copy", "Fotocopia del NIT", False),
        ("id_copy", "Fotocopia del carnet del representante legal", False),
        ("power_of_attorney", "Poder notariado (si firma otra persona)", True),
    ],
}
