"""The forms of the procedures' user tasks, registered by their formKey."""

from posventa.procedures.forms import b_plan_change, common  # noqa: F401
