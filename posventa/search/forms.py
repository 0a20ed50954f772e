from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.common.forms import BoundedForm
from posventa.search.selectors import MAX_QUERY_LENGTH


class SearchForm(BoundedForm):
    """The header search's one field (a NUL or an over-long text is its error)."""

    q = forms.CharField(label=_("Search"), max_length=MAX_QUERY_LENGTH, required=False)
