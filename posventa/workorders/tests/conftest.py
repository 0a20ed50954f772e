from pathlib import Path

import pytest

from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.deployment import deploy_files

MODELS = Path(__file__).parent / "models"


@pytest.fixture
def waiting_process(db):
    """start(number): an instance of a small process waiting for the work
    order `number` to close. Without `broken` among its variables (data=…),
    the process fails when the order closes resolved."""
    runtime.specs.clear()
    deploy_files({"awaits_work_order.bpmn": (MODELS / "awaits_work_order.bpmn").read_text()})

    def start(number: str, data: dict | None = None):
        return engine.instance_start(
            process_id="awaits_work_order",
            business_key=f"K-{number}",
            data=data if data is not None else {"work_order_id": number, "broken": False},
        )

    yield start
    runtime.specs.clear()
