"""The bounded types the API's schemas are made of.

Every value a client sends is refused at the door, with a Spanish message
per field (posventa/api/errors.py), before it can reach a service or the
database, when it is something the database cannot hold or the business
never sees:

- text: at most a stated number of characters (a column's length, or a
  generous page of text for free-text columns), and never a NUL character
  or half of a surrogate pair — PostgreSQL refuses both with a server error;
- integers: ids from 1 to 2**63 - 1 (a 64-bit primary key), so 2**70 is a
  422 and not an OverflowError;
- moments: years 2000 to 2100 — the team's records start well after 2000 and
  the indicators' months have the same window (indicators/definitions.py,
  Month.parse); a year 1 or 9999 in any time zone would overflow Python's
  and the databases' datetimes when turned into UTC; a moment without a
  time zone is read in the team's (America/La_Paz), as the web forms read it;
- codes (procedure letters, channels, states): one of a known set, declared
  as an enum in the OpenAPI schema;
- the free-form data of a task's form: a flat object of bounded scalars
  (and lists of them); the task's own form checks the rest.

The same bounds appear in the OpenAPI schema, so a client (and schemathesis)
can read them there.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils import timezone
from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_ID = 2**63 - 1
MIN_YEAR, MAX_YEAR = 2000, 2100

# A page of free text: far more than any note, reason or resolution the team
# writes (the longest in the demo data is under 500 characters), far less
# than a payload that fills the database.
LONG_TEXT = 5000

# The free-form data of a task's form: how many fields, how long a list.
FORM_MAX_FIELDS = 200
FORM_MAX_ITEMS = 200

# No NUL: valid JSON can carry it, PostgreSQL cannot store it. The pattern
# published in OpenAPI; the lone surrogates (U+D800–U+DFFF) that _clean_text
# also refuses cannot be written in a pattern that every JSON Schema tool reads.
TEXT_PATTERN = r"^[^\x00]*$"


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "contains a NUL character")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise PydanticCustomError("lone_surrogate", "contains a lone surrogate")
    return value


def Text(max_length: int, *, min_length: int = 0):
    """A string of at most `max_length` characters, without NUL."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_clean_text),
        WithJsonSchema(
            {
                "type": "string",
                "maxLength": max_length,
                **({"minLength": min_length} if min_length else {}),
                "pattern": TEXT_PATTERN,
            }
        ),
    ]


def Choice(values, labels: dict | None = None):
    """One of a known set of codes: an `enum` in the OpenAPI schema, with each
    code's Spanish label in `x-labels` when there are labels.

    `values` is a Django `TextChoices` class (its labels come with it), a list
    of `(code, label)` pairs, or a list of bare codes; `labels` may add or
    override labels (`{"all": _("All")}`). The labels are lazy translations,
    rendered when the schema is (in the request's language: Spanish)."""
    pairs = [
        (str(v[0]), v[1]) if isinstance(v, tuple | list) else (str(v), None)
        for v in (values.choices if hasattr(values, "choices") else values)
    ]
    named = {code: label for code, label in pairs if label is not None} | dict(labels or {})
    codes = tuple(code for code, _label in pairs)
    if not named:
        return Literal[codes]
    return Annotated[Literal[codes], _Labels(codes, named)]


class _Labels:
    """Adds `x-labels` to a code's JSON Schema when the schema is drawn (a
    marker, not a Field: ninja's parameters bring a Field of their own, and
    pydantic keeps only one `json_schema_extra`)."""

    def __init__(self, codes: tuple[str, ...], named: dict):
        self.codes, self.named = codes, named

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema["x-labels"] = {
            code: str(self.named[code]) for code in self.codes if code in self.named
        }
        return schema


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A row's id: a positive 64-bit integer."""


def Count(maximum: int, *, minimum: int = 0):
    """An integer between `minimum` and `maximum` (an offset, a limit)."""
    return Annotated[int, Field(ge=minimum, le=maximum)]


def _in_years(value: datetime) -> datetime:
    # Checked before the time zone is applied or converted: that conversion
    # is what overflows for year 1 or 9999.
    _day_in_years(value)
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


Moment = Annotated[
    datetime,
    AfterValidator(_in_years),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": f"ISO 8601, years {MIN_YEAR} to {MAX_YEAR}; without a time zone, "
            "America/La_Paz.",
        }
    ),
]
"""A moment of the business: years 2000 to 2100, aware (La Paz when naive)."""


def _day_in_years(value: date) -> date:
    """The value, when its year is between MIN_YEAR and MAX_YEAR (a day, or
    a moment before its time zone is touched)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            "year_out_of_range",
            "year out of range",
            {"min_year": MIN_YEAR, "max_year": MAX_YEAR},
        )
    return value


Day = Annotated[
    date,
    AfterValidator(_day_in_years),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"YYYY-MM-DD, years {MIN_YEAR} to {MAX_YEAR} (America/La_Paz).",
        }
    ),
]
"""A day of the business (a filter's bound, a report's day): years 2000 to 2100."""


# --- the data of a task's form ------------------------------------------------------------

FormKey = Text(100, min_length=1)

_SCALAR_SCHEMA = [
    {"type": "null"},
    {"type": "boolean"},
    {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID},
    {"type": "number", "minimum": -1e15, "maximum": 1e15},
    {"type": "string", "maxLength": LONG_TEXT, "pattern": TEXT_PATTERN},
]


def _form_scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_ID <= value <= MAX_ID:
            raise PydanticCustomError("int_out_of_range", "integer out of range")
        return value
    if isinstance(value, float | Decimal):
        # Amounts (Bs) and metres: nothing the team records is near 10**15.
        if not (value == value and -1e15 <= value <= 1e15):
            raise PydanticCustomError("number_out_of_range", "number out of range")
        return value
    if isinstance(value, str):
        if len(value) > LONG_TEXT:
            raise PydanticCustomError(
                "string_too_long", "string too long", {"max_length": LONG_TEXT}
            )
        return _clean_text(value)
    if isinstance(value, date):  # not from JSON, but harmless from Python callers
        return value
    raise PydanticCustomError("form_value_type", "not a form value")


def _form_value(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) > FORM_MAX_ITEMS:
            raise PydanticCustomError("too_long", "too many items", {"max_length": FORM_MAX_ITEMS})
        return [_form_scalar(item) for item in value]
    return _form_scalar(value)


FormValue = Annotated[
    Any,
    AfterValidator(_form_value),
    WithJsonSchema(
        {
            "anyOf": [
                *_SCALAR_SCHEMA,
                {"type": "array", "maxItems": FORM_MAX_ITEMS, "items": {"anyOf": _SCALAR_SCHEMA}},
            ]
        }
    ),
]
"""One field of a task's form: null, true/false, a number, a text, or a list of them."""

FormData = Annotated[dict[FormKey, FormValue], Field(max_length=FORM_MAX_FIELDS)]
