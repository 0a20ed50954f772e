"""The path converters of the project's addresses: `<id:…>`, a row's id, and
`<number:…>`, a case's or a work order's number.

Django's `<int:…>` takes any run of digits, and a number beyond 64 bits
reaches the database: "OverflowError: Python int too large to convert to
SQLite INTEGER" on SQLite, a DataError on PostgreSQL when it meets a foreign
key — a server error for a typed address. `<id:…>` takes 1 to 19 ASCII digits
and only a number a 64-bit key holds; anything else matches no address, so
it is a 404 like any other row that is not there. `<number:…>` likewise
takes only what a number can be (letters, digits and dashes, as long as the
column), so a NUL byte or a page of text in the address never reaches a query.
Registered once, by CommonConfig.ready(); web/tests/test_hostile_forms.py
fails on an `<int:…>` or a `<str:…>` that reaches a query.
"""

from django.urls import register_converter

from posventa.common.forms import ID_MAX


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= ID_MAX:
            raise ValueError(value)  # no match: the address answers 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class NumberConverter:
    regex = "[A-Za-z0-9-]{1,20}"  # PV-2026-000123, OT-2026-000045: max_length 20

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    register_converter(IdConverter, "id")
    register_converter(NumberConverter, "number")
