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


@pytest.mark.parametrize("nit", ["1020 703 023", "1.020.703.023", " 1234567 "])
def test_nits_typed_with_separators_pass(nit):
    validate_nit(nit)


@pytest.mark.parametrize(
    ("nit", "code"),
    [
        ("0000000", "leading_zero"),  # a run of zeros
        ("1020703023.5e", "digits"),
        ("1020/703/023", "digits"),  # only spaces, dots and dashes are separators
        ("...", "required"),  # nothing left once the separators go
    ],
)
def test_more_implausible_nits_are_refused(nit, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_nit(nit)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    "nit",
    [
        "١٠٢٠٧٠٣٠٢٣",  # Arabic-Indic digits: "digits" to Python, not to the tax office
        "¹²³⁴⁵⁶⁷",  # superscripts: isdigit() says yes, int() fails
        "\uff11\uff10\uff12\uff10\uff17\uff10\uff13\uff10\uff12\uff13",  # full-width digits
    ],
)
def test_only_ascii_digits_make_a_nit(nit):
    with pytest.raises(ValidationError) as excinfo:
        validate_nit(nit)
    assert excinfo.value.code == "digits"


def test_the_length_reason_names_the_limits():
    with pytest.raises(ValidationError) as excinfo:
        validate_nit("123")
    assert excinfo.value.code == "length"
    assert "7" in excinfo.value.messages[0]
    assert "12" in excinfo.value.messages[0]


def test_normalize_handles_empty_values():
    assert normalize_nit(None) == ""
    assert normalize_nit("") == ""
    assert normalize_nit(1020703023) == "1020703023"
