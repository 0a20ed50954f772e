"""`in` on an integer column with a number no column can hold.

Django already answers "no row" for `exact`, `gt`, `lt`… with a number out of
the column's range (`IntegerFieldOverflow`), but not for `in`: SQLite then
raises OverflowError ("Python int too large to convert to SQLite INTEGER") —
a server error for a hostile id in a choice of several rows
(`ModelMultipleChoiceField`) or any `id__in` built from what a person sent.
Registered on IntegerField (and so on the auto and big auto ids) by
CommonConfig.ready().
"""

from django.db.models import IntegerField
from django.db.models.lookups import In

# The widest integer column of any database we run on: a number beyond it
# matches no row anywhere.
_LOWEST, _HIGHEST = -(2**63), 2**63 - 1


class IntegerFieldIn(In):
    """`in` that leaves out the numbers no integer column holds: they match
    nothing (an `in` with nothing left matches no row)."""

    def get_prep_lookup(self):
        prepared = super().get_prep_lookup()
        if self.rhs_is_direct_value():
            kept = [v for v in prepared if not isinstance(v, int) or _LOWEST <= v <= _HIGHEST]
            if len(kept) != len(prepared):
                return kept
        return prepared


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
