"""The rules of procedure G that are not the fee's (the fee's rule is the
decision table procedures/dmn/call_detail_fee.dmn; its amount, the tariff):
which months a detail may cover, which of them are "previous", which
sources each kind of line has."""

from datetime import date
from decimal import Decimal

from posventa.calls.models import CallSource
from posventa.common.dates import add_months
from posventa.common.money import bs

# How far back the call records are kept and a detail may be asked for.
MONTHS_KEPT = 12

# The lines that have a call detail, and from which sources: a Comteco fixed
# line (alone or in a pack) makes local calls recorded by Comteco and
# long-distance calls carried by Boliviatel; a Boliviatel long-distance
# product only the latter.
SOURCES_BY_PRODUCT_TYPE = {
    "fixed_line": (CallSource.COMTECO, CallSource.BOLIVIATEL),
    "duo_pack": (CallSource.COMTECO, CallSource.BOLIVIATEL),
    "multipack": (CallSource.COMTECO, CallSource.BOLIVIATEL),
    "boliviatel_ld": (CallSource.BOLIVIATEL,),
}
CALL_DETAIL_PRODUCT_TYPES = tuple(SOURCES_BY_PRODUCT_TYPE)


def month_key(day: date) -> str:
    """'2026-03': how a month travels in the process variables."""
    return f"{day:%Y-%m}"


def month_from_key(key: str) -> date:
    """The first day of the month '2026-03' names (ValueError if it names none)."""
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def month_label(key: str) -> str:
    """'03/2026', as the team writes it."""
    return f"{month_from_key(key):%m/%Y}"


def months_offered(today: date) -> list[date]:
    """The current month first, then the previous ones that are still kept."""
    first = today.replace(day=1)
    return [add_months(first, -n) for n in range(MONTHS_KEPT)]


def previous_months(keys, today: date) -> list[str]:
    """The months asked for that are before the current one (the ones that cost)."""
    current = today.replace(day=1)
    return sorted(k for k in keys if month_from_key(k) < current)


def fee_for_line(*, billable_months: int, tariff_amount: Decimal) -> Decimal:
    """What one line pays: the tariff for each billable month, in Bs and cents."""
    return bs(Decimal(str(tariff_amount)) * int(billable_months))
