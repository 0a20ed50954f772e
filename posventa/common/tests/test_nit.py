import pytest
from django.core.exceptions import ValidationError

from posventa.common.nit import normalize_nit, validate_nit


@pytest.mark.parametrize("nit", ["1020703023", "1234567", "123456789012", "1020-703-023"])
def test_plausible_nits_pass(nit):
    validate_nit(nit)


@pytest.mark.parametrize(
    ("nit", "code"),
    [
        ("", "required"),
        ("10207O3023", "digits"),
        ("NIT123456", "digits"),
        ("123456", "length"),
        ("1234567890123", "length"),
        ("0123456789", "leading_zero"),
    ],
)
def test_implausible_nits_are_refused_with_their_reason(nit, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_nit(nit)
    assert excinfo.value.code == code


def test_separators_are_removed():
    assert normalize_nit(" 1020.703-023 ") == "1020703023"
