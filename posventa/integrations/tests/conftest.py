"""The procedure tests' own customers, for the hand-back tests that walk
those procedures the same way (test_handback_procedures.py)."""

from posventa.procedures.tests.test_a_supplementary_services import line  # noqa: F401
from posventa.procedures.tests.test_c_relocation import copper_internet, coverage  # noqa: F401
from posventa.procedures.tests.test_k_preventive_review import copper  # noqa: F401
