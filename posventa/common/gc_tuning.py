"""Python's garbage collector in the long-lived processes (gunicorn's
workers, the job worker): no full collection inside a request.

A process that has loaded Django, the process models and WeasyPrint holds
hundreds of thousands of objects that live as long as it does. A full
collection walks all of them: 75–150 ms, landing inside whatever step was
running (issue 17). `gc.freeze()` after start-up and warm-up moves them to a
permanent generation that no collection walks; what a request creates is
collected as before. Measured in `bench/procedure_b.py` (docs/engine.md,
"The garbage collector")."""

import gc
import logging

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Load now what the first requests would load: the deployed process
    models and the heavy libraries imported on first use, so that they are
    frozen with the rest and shared between forked processes."""
    import weasyprint  # noqa: F401  (imported on the first PDF otherwise)
    from django.db import DatabaseError

    from posventa.engine import runtime
    from posventa.engine.models import ProcessVersion

    try:
        newest = {}
        for pk, process_id in ProcessVersion.objects.order_by("pk").values_list("pk", "process_id"):
            newest[process_id] = pk
        for pk in newest.values():
            runtime.specs.get(pk)
    except DatabaseError:
        # No database yet (a first deploy before migrate): the models load on first use.
        logger.warning("Process models not loaded at start-up: the database is not ready")


def freeze_after_warm_up() -> None:
    """Collect once, then freeze every object alive now out of the collector's reach."""
    gc.collect()
    gc.freeze()
