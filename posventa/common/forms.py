"""Hostile input on the web: the bounds every form of the project applies, and
the helpers for a view that reads a query-string parameter without a form
(docs/security.md, "Hostile input on the web").

A person — or a script with a stolen session — can send anything: a NUL byte,
a number of seventy bits, the year 1 or 9999, a megabyte of text, a code no
list offers. Each of these must come back as the form with the field's error
(or a 4xx), never as a server error, and nothing of it may be stored.

**Every form of the project inherits `BoundedForm`** (a model form of the
admin, `BoundedModelForm`); `web/tests/test_hostile_forms.py` names the form
that does not. Before its fields are cleaned, each field gets the bounds it
does not declare itself (a field's own, narrower bound stays):

- text (`CharField` and its kinds): at most `TEXT_MAX_LENGTH` characters;
- whole numbers: within a 32-bit integer, the narrowest integer column of
  our databases (PostgreSQL's `integer`);
- decimals: at most `DECIMAL_MAX_DIGITS` digits;
- dates and moments: the years `FIRST_YEAR`–`LAST_YEAR`, which every database
  holds and every moment of which converts to UTC and back (the year 9999 in
  La Paz is the year 10000 in UTC: an OverflowError).

Django already refuses a NUL byte in a `CharField` and in a choice of rows,
and an id beyond 64 bits in a choice of one row (an `exact` lookup out of the
column's range matches nothing); `IntegerFieldIn` (`common/lookups.py`) does
the same for a choice of several rows, which SQLite would refuse with an
OverflowError.

Why a base class rather than changing Django's fields for the whole process:
the bounds show in each form's declaration, Django's own forms (the admin's
login, the password reset) keep Django's behaviour, and a forgotten base is a
failing test naming the form, not a silent hole. The bounds are applied when
the form is built *and* again just before it is cleaned, so a field a form
adds after its `__init__` (a requirement's tick, an equipment's amount) is
bounded too.
"""

from datetime import date, datetime

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from posventa.common.dates import FIRST_YEAR, LAST_YEAR

TEXT_MAX_LENGTH = 10_000
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
ID_MAX = 2**63 - 1  # the largest id a 64-bit primary key holds
DECIMAL_MAX_DIGITS = 15
FLOAT_MAX = 1e15


@deconstructible
class TextLengthValidator(validators.MaxLengthValidator):
    """Django's maximum length, applied only to text: a field that turns the
    text into something else (a month, a list) is judged on its own."""

    def __call__(self, value):
        if isinstance(value, str):
            super().__call__(value)


@deconstructible
class YearRangeValidator:
    """A date or a moment within the years the database and the time zone
    hold; the message names the range."""

    message = _("Give a date between the years %(first)s and %(last)s.")
    code = "date_out_of_range"

    def __init__(self, first: int = FIRST_YEAR, last: int = LAST_YEAR):
        self.first, self.last = first, last

    def __call__(self, value):
        if isinstance(value, date | datetime) and not self.first <= value.year <= self.last:
            raise ValidationError(
                self.message, code=self.code, params={"first": self.first, "last": self.last}
            )

    def __eq__(self, other):
        return isinstance(other, YearRangeValidator) and (self.first, self.last) == (
            other.first,
            other.last,
        )


def bound_field(field: forms.Field) -> forms.Field:
    """Give one form field the bounds it does not declare (once)."""
    if getattr(field, "_posventa_bounded", False):
        return field
    field._posventa_bounded = True
    if isinstance(field, forms.FileField):
        return field  # uploads: kind and size are common/uploads.py's
    if isinstance(field, forms.CharField):
        if field.max_length is None:
            field.max_length = TEXT_MAX_LENGTH
            field.validators.append(TextLengthValidator(TEXT_MAX_LENGTH))
            if not field.widget.is_hidden:
                field.widget.attrs.setdefault("maxlength", str(TEXT_MAX_LENGTH))
    elif isinstance(field, forms.DecimalField):  # Django's DecimalField and FloatField
        # are kinds of IntegerField: the whole number comes last.
        if field.max_digits is None:
            field.max_digits = DECIMAL_MAX_DIGITS
            field.validators.append(
                validators.DecimalValidator(DECIMAL_MAX_DIGITS, field.decimal_places)
            )
    elif isinstance(field, forms.FloatField):
        _bound_number(field, -FLOAT_MAX, FLOAT_MAX)
    elif isinstance(field, forms.IntegerField):
        _bound_number(field, INTEGER_MIN, INTEGER_MAX)
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators.append(YearRangeValidator())
    return field


def _bound_number(field, lowest, highest) -> None:
    if field.max_value is None:
        field.max_value = highest
        field.validators.append(validators.MaxValueValidator(highest))
    if field.min_value is None:
        field.min_value = lowest
        field.validators.append(validators.MinValueValidator(lowest))


class BoundedFormMixin:
    """The bounds of this module on every field of the form (see the module's
    docstring). Put it before Django's form class in the bases."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bound_fields()

    def _bound_fields(self) -> None:
        for field in self.fields.values():
            bound_field(field)

    def full_clean(self):
        self._bound_fields()  # fields added after __init__ too
        super().full_clean()


class BoundedForm(BoundedFormMixin, forms.Form):
    """The base of every form of the project."""


class BoundedModelForm(BoundedFormMixin, forms.ModelForm):
    """The base of every model form of the project (the admin's)."""


# --- Query-string parameters read without a form --------------------------
# A list page's filter is best a BoundedForm (claims, work orders,
# indicators); a view that reads a single parameter uses these instead of
# int(request.GET[...]) or str.isdigit(), which lets through "²" (a digit to
# isdigit(), not to int()) and numbers no column holds.


def query_id(params, name: str) -> int | None:
    """A row's id from a query string or a form: a positive whole number of at
    most 64 bits, written in ASCII digits; None for anything else."""
    text = params.get(name, "")
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= ID_MAX else None


def query_choice(params, name: str, choices, default: str = "") -> str:
    """One of the codes of `choices` (a Django choices list or a set of
    codes), or `default` for anything else."""
    text = params.get(name, default)
    codes = {code for code, _label in choices} if _is_choices(choices) else set(choices)
    return text if isinstance(text, str) and text in codes else default


def _is_choices(choices) -> bool:
    choices = list(choices)
    return bool(choices) and isinstance(choices[0], list | tuple)
