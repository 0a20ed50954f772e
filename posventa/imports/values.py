"""A cell of the commercial system's files read as what its column means: a
text, a NIT, a date, a month, an amount in Bs, a whole number, Sí/No, one of
a list of choices.

Each parser takes the cell as the reader gives it — a `str` from a CSV; from
an .xlsx also `float`, `int`, `bool`, `date` or `datetime` (calamine) — and
returns the Python value, or raises `Invalid` with the problem in words (the
engine adds the column and the value). Nothing here touches the database.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.common.dates import FIRST_YEAR, LAST_YEAR
from posventa.common.money import CENTS
from posventa.common.nit import normalize_nit, validate_nit


class Invalid(Exception):
    """A cell that does not hold what its column means; `args[0]` says why."""


# --- Text ------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fold(text) -> str:
    """Text as compared, not as shown: no accents, no case, one space between
    words, only letters and digits ("Razón  Social:" -> "razon social")."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(value) -> str:
    """A cell as text: no control characters, no leading, trailing or doubled
    spaces (a non-breaking space is a space). Excel's numbers are written as
    a person reads them: 1020304050.0 is "1020304050"."""
    if isinstance(value, str):
        if not value.isprintable() and _CONTROL.search(value):
            value = _CONTROL.sub("", value)
        return " ".join(value.split())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def text(max_length: int):
    """A text of at most `max_length` characters (the column's size)."""

    def parse(value) -> str:
        result = clean_text(value)
        if len(result) > max_length:
            raise Invalid(
                _("it has %(length)s characters; at most %(max)s fit.")
                % {"length": len(result), "max": max_length}
            )
        return result

    return parse


def nit(value) -> str:
    """A NIT as the tax office issues it (common/nit.py): separators aside."""
    result = normalize_nit(clean_text(value))
    try:
        validate_nit(result)
    except ValidationError as error:
        raise Invalid(" ".join(error.messages)) from None
    return result


# --- Dates ------------------------------------------------------------------------------------

# Excel's day 0 (the 1900 system, with its phantom 29/02/1900 behind it).
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_LAST = (date(LAST_YEAR, 12, 31) - _EXCEL_EPOCH).days
_EXCEL_FIRST = (date(FIRST_YEAR, 3, 1) - _EXCEL_EPOCH).days
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DMY = re.compile(rf"(\d{{1,2}})[/.\-](\d{{1,2}})[/.\-](\d{{4}}){_TIME}")
_YMD = re.compile(rf"(\d{{4}})[/.\-](\d{{1,2}})[/.\-](\d{{1,2}}){_TIME}")


def _day(year: int, month: int, day: int) -> date:
    try:
        result = date(year, month, day)
    except ValueError:
        raise Invalid(_("that day does not exist.")) from None
    return _in_years(result)


def _in_years(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(
            _("the year must be between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return day


def _excel_serial(value: float) -> date:
    if not _EXCEL_FIRST <= value <= _EXCEL_LAST:
        raise Invalid(_("it is not a date."))
    return _EXCEL_EPOCH + timedelta(days=int(value))


def a_date(value) -> date:
    """A day: an Excel date cell, dd/mm/yyyy or yyyy-mm-dd (with -, / or . and
    an optional time, which is dropped), or an Excel day number."""
    if isinstance(value, datetime):
        return _in_years(value.date())
    if isinstance(value, date):
        return _in_years(value)
    if isinstance(value, bool):
        raise Invalid(_("it is not a date."))
    if isinstance(value, int | float):
        return _excel_serial(value)
    cell = clean_text(value)
    if match := _DMY.fullmatch(cell):
        day, month, year = map(int, match.groups())
        return _day(year, month, day)
    if match := _YMD.fullmatch(cell):
        year, month, day = map(int, match.groups())
        return _day(year, month, day)
    raise Invalid(_("it is not a date: write it as dd/mm/yyyy."))


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("enero", "ene", "january", "jan"),
            ("febrero", "feb", "february"),
            ("marzo", "mar", "march"),
            ("abril", "abr", "april", "apr"),
            ("mayo", "may"),
            ("junio", "jun", "june"),
            ("julio", "jul", "july"),
            ("agosto", "ago", "august", "aug"),
            ("septiembre", "setiembre", "sep", "set", "sept", "september"),
            ("octubre", "oct", "october"),
            ("noviembre", "nov", "november"),
            ("diciembre", "dic", "december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MY = re.compile(r"(\d{1,2})[/.\-](\d{4})")
_YM = re.compile(r"(\d{4})[/.\-](\d{1,2})")
_YYYYMM = re.compile(r"(\d{4})(\d{2})")
_NAMED = re.compile(r"([a-z]+) (?:de |del )?(\d{4})")


def _month(year: int, month: int) -> date:
    if not 1 <= month <= 12:
        raise Invalid(_("there is no month %(month)s.") % {"month": month})
    return _day(year, month, 1)


def a_month(value) -> date:
    """A billed month, as its first day: 10/2026, 2026-10, 202610,
    "octubre 2026", or any date of the month."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # 202610 from a number cell: an Excel day number that large would be
        # in the 25th century, so it can only be a year and a month.
        if float(value).is_integer() and _YYYYMM.fullmatch(str(int(value))):
            return _month(int(value) // 100, int(value) % 100)
        return a_date(value).replace(day=1)
    if isinstance(value, date):
        return a_date(value).replace(day=1)
    cell = clean_text(value)
    if match := _MY.fullmatch(cell):
        return _month(int(match.group(2)), int(match.group(1)))
    if match := _YM.fullmatch(cell):
        return _month(int(match.group(1)), int(match.group(2)))
    if match := _YYYYMM.fullmatch(cell):
        return _month(int(match.group(1)), int(match.group(2)))
    if (match := _NAMED.fullmatch(fold(cell))) and match.group(1) in _MONTHS:
        return _month(int(match.group(2)), _MONTHS[match.group(1)])
    try:
        return a_date(cell).replace(day=1)
    except Invalid:
        raise Invalid(_("it is not a month: write it as mm/yyyy (10/2026).")) from None


# --- Amounts ----------------------------------------------------------------------------------

# The largest amount a column of 12 digits with 2 decimals holds.
MAX_AMOUNT = Decimal("9999999999.99")
_CURRENCY = re.compile(r"^(?:bs\.?|bob)\s*|\s*(?:bs\.?|bob)$", re.IGNORECASE)
_SIMPLE_AMOUNT = re.compile(r"(\d{1,10})(?:[.,](\d{1,2}))?")
_GROUPED = {
    ".": re.compile(r"\d{1,3}(?:\.\d{3})+"),
    ",": re.compile(r"\d{1,3}(?:,\d{3})+"),
}


def _plain_number(cell: str) -> str:
    """ "1.234,50", "1,234.50", "1234,5", "1.234" (Bolivian thousands) ->
    "1234.50", "1234.50", "1234.5", "1234"."""
    if not re.fullmatch(r"[0-9.,]+", cell) or not re.search(r"\d", cell):
        raise Invalid(_("it is not an amount."))
    if "," in cell and "." in cell:
        decimal_mark = "," if cell.rfind(",") > cell.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, _mark, cents = cell.rpartition(decimal_mark)
        if thousands in cents or not (_GROUPED[thousands].fullmatch(whole) or whole.isdigit()):
            raise Invalid(_("it is not an amount."))
        return f"{whole.replace(thousands, '')}.{cents}"
    for mark in (",", "."):
        if cell.count(mark) > 1:
            if not _GROUPED[mark].fullmatch(cell):
                raise Invalid(_("it is not an amount."))
            return cell.replace(mark, "")
    if "," in cell:
        return cell.replace(",", ".")
    whole, dot, cents = cell.partition(".")
    # One dot and three digits after it: Bolivian thousands ("1.500" is Bs 1500).
    if dot and len(cents) == 3 and whole and whole != "0" and len(whole) <= 3:
        return whole + cents
    return cell


def amount(value) -> Decimal:
    """An amount in Bs with at most two decimals, not negative: an Excel
    number, or text written the Bolivian way ("Bs 1.234,50") or with a
    decimal point ("1234.50"). Never through float arithmetic."""
    if isinstance(value, bool):
        raise Invalid(_("it is not an amount."))
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Invalid(_("it is not an amount."))
        exact = Decimal(repr(value))
        result = exact.quantize(CENTS)
        # An Excel sum may carry a binary tail (0.1 + 0.2); a third decimal is no tail.
        if abs(exact - result) > Decimal("0.000001"):
            raise Invalid(_("an amount in Bs has at most two decimals."))
    elif isinstance(value, str) and (simple := _SIMPLE_AMOUNT.fullmatch(value.strip())):
        # The common case, "250,00" or "1234.5", without the general parsing below.
        whole, cents = simple.groups()
        result = Decimal(f"{whole}.{cents or '0'}")
    else:
        cell = clean_text(value)
        cell = _CURRENCY.sub("", cell).strip()
        negative = cell.startswith("-") or (cell.startswith("(") and cell.endswith(")"))
        cell = cell.strip("-()").strip()
        cell = re.sub(r"[\s']", "", _CURRENCY.sub("", cell))
        try:
            result = Decimal(_plain_number(cell))
        except InvalidOperation:
            raise Invalid(_("it is not an amount.")) from None
        if result.as_tuple().exponent < -2:
            raise Invalid(_("an amount in Bs has at most two decimals."))
        if negative and result:
            result = -result
    if result < 0:
        raise Invalid(_("an amount cannot be negative."))
    if result > MAX_AMOUNT:
        raise Invalid(_("the amount is too large."))
    return result.quantize(CENTS)


# --- Numbers, yes/no, choices ----------------------------------------------------------------


def whole_number(minimum: int, maximum: int):
    """A whole number between `minimum` and `maximum` (both included)."""

    def parse(value) -> int:
        if isinstance(value, bool):
            raise Invalid(_("it is not a whole number."))
        if isinstance(value, float):
            if not value.is_integer():
                raise Invalid(_("it is not a whole number."))
            value = int(value)
        if not isinstance(value, int):
            cell = clean_text(value)
            if not re.fullmatch(r"-?\d{1,9}", cell):
                raise Invalid(_("it is not a whole number."))
            value = int(cell)
        if not minimum <= value <= maximum:
            raise Invalid(
                _("it must be between %(min)s and %(max)s.") % {"min": minimum, "max": maximum}
            )
        return value

    return parse


_YES = {"si", "s", "yes", "y", "true", "verdadero", "v", "1", "x", "habilitado", "activo"}
_NO = {"no", "n", "false", "falso", "f", "0", "deshabilitado", "inactivo", "baja"}


def yes_no(value) -> bool:
    """Sí or No (also S/N, 1/0, X for yes, an Excel TRUE/FALSE)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = fold(value)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise Invalid(_("write Sí or No."))


def choice(options: dict[str, str], *, hint: str):
    """One of a list: `options` maps each accepted spelling, folded, to the
    value stored; `hint` lists the spellings a person should use."""

    def parse(value) -> str:
        try:
            return options[fold(value)]
        except KeyError:
            raise Invalid(_("it is not one of: %(options)s.") % {"options": hint}) from None

    return parse
