"""The Bolivian tax id (NIT) of a company.

Enterprise NITs issued by the tax office (SIN) are numbers of 7 to 12 digits;
we accept only digits, in that range, and not a run of zeros. A NIT typed with
spaces, dots or dashes is normalised before it is checked.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NIT_MIN_DIGITS = 7
NIT_MAX_DIGITS = 12
_SEPARATORS = re.compile(r"[\s.\-]")
# The whole rule as one pattern, for the database constraint.
NIT_PATTERN = rf"^[1-9][0-9]{{{NIT_MIN_DIGITS - 1},{NIT_MAX_DIGITS - 1}}}$"


def normalize_nit(value: str) -> str:
    return _SEPARATORS.sub("", str(value or ""))


def validate_nit(value: str) -> None:
    nit = normalize_nit(value)
    if not nit:
        raise ValidationError(_("The NIT is required."), code="required")
    # str.isdigit() also accepts Arabic-Indic, full-width and superscript
    # digits; the tax office (and the database constraint) only ASCII ones.
    if not (nit.isascii() and nit.isdigit()):
        raise ValidationError(_("The NIT must contain digits only."), code="digits")
    if not NIT_MIN_DIGITS <= len(nit) <= NIT_MAX_DIGITS:
        raise ValidationError(
            _("The NIT must have between %(min)s and %(max)s digits."),
            code="length",
            params={"min": NIT_MIN_DIGITS, "max": NIT_MAX_DIGITS},
        )
    if nit.startswith("0"):
        raise ValidationError(_("The NIT cannot start with zero."), code="leading_zero")
