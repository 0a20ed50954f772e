"""The bounds of common/forms.py, the `in` lookup of common/lookups.py and the
converters of common/converters.py, one rule each."""

import re
from datetime import date

import pytest
from django import forms
from django.http import QueryDict

from posventa.common.converters import IdConverter, NumberConverter
from posventa.common.forms import BoundedForm, query_choice, query_id
from posventa.customers.models import Company
from posventa.factories import CompanyFactory


class Everything(BoundedForm):
    text = forms.CharField(required=False)
    short = forms.CharField(max_length=5, required=False)
    number = forms.IntegerField(required=False)
    amount = forms.DecimalField(required=False)
    ratio = forms.FloatField(required=False)
    day = forms.DateField(required=False)
    moment = forms.DateTimeField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["later"] = forms.CharField(required=False)  # added after the base's __init__


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "a" * 10_001),
        ("later", "a" * 10_001),
        ("short", "a" * 6),  # the field's own, narrower bound stays
        ("number", str(2**31)),
        ("number", str(-(2**31) - 1)),
        ("amount", "1" * 16),
        ("amount", "1e999999"),
        ("ratio", "1e16"),
        ("day", "1899-12-31"),
        ("day", "2101-01-01"),
        ("moment", "9999-12-31 23:59"),
        ("moment", "0001-01-01 00:00"),
    ],
)
def test_a_value_beyond_the_bounds_is_the_fields_error(field, value):
    form = Everything({field: value})
    assert not form.is_valid() and list(form.errors) == [field]


def test_values_within_the_bounds_pass():
    form = Everything(
        {
            "text": "a" * 10_000,
            "number": str(2**31 - 1),
            "amount": "1234567890.12345",
            "day": "1900-01-01",
            "moment": "2100-12-31 23:59",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date(1900, 1, 1)


def test_a_query_id_is_ascii_digits_within_64_bits():
    params = QueryDict(
        "a=42&b=%C2%B2&c=0&d=9223372036854775807&e=9223372036854775808&f=-3&g=%00&h=4%202"
    )
    assert [query_id(params, name) for name in "abcdefghz"] == [
        42,
        None,  # "²": a digit to str.isdigit(), not to int()
        None,
        2**63 - 1,
        None,
        None,
        None,
        None,
        None,  # missing
    ]


def test_a_query_choice_is_one_of_the_codes_or_the_default():
    params = QueryDict("kind=migration&other=%00")
    choices = [("migration", "Migración"), ("service", "Servicio")]
    assert query_choice(params, "kind", choices) == "migration"
    assert query_choice(params, "other", choices) == ""
    assert query_choice(params, "other", {"a", "b"}, default="a") == "a"


@pytest.mark.django_db
def test_an_id_no_column_holds_matches_nothing_in_a_list_of_ids():
    company = CompanyFactory()
    huge = 2**70
    assert list(Company.objects.filter(pk__in=[huge, company.pk])) == [company]
    assert list(Company.objects.filter(pk__in=[huge, -huge])) == []
    assert Company.objects.exclude(pk__in=[huge]).count() == 1


def test_the_address_converters_take_only_what_an_id_or_a_number_can_be():
    ids = IdConverter()
    assert ids.to_python("42") == 42
    for odd in ("0", str(2**63)):
        with pytest.raises(ValueError):
            ids.to_python(odd)
    assert re.fullmatch(NumberConverter.regex, "PV-2026-000123")
    assert not re.fullmatch(NumberConverter.regex, "PV\x00")
    assert not re.fullmatch(NumberConverter.regex, "a" * 21)
