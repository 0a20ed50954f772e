"""Which BPMN process runs each procedure of the manual, and which role each
lane of the diagrams stands for."""

from posventa.accounts.roles import Role

# Procedure letter → the BPMN process id under procedures/bpmn/.
PROCESS_IDS = {
    "B": "b_plan_change",
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
