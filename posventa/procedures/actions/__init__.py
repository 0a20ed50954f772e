"""The service-task actions of the procedures, registered by operation name."""

from posventa.procedures.actions import b_plan_change, documents  # noqa: F401
