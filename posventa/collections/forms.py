"""The filters of the debtors list and of the proformas list, read from the query string."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.accounts.selectors import executives
from posventa.billing.rules import AGEING_BUCKETS
from posventa.common.forms import BoundedForm

SEARCH_MAX_LENGTH = 100
PAGE_MAX = 100_000


class DebtorFilterForm(BoundedForm):
    """Search by company name or NIT, an ageing band, a page and, for those
    who see every portfolio, an executive. A value that makes no sense (too
    long, an unknown band or executive, a page that is not a number) is
    reported in Spanish and that filter is left out; the rest still apply."""

    q = forms.CharField(
        label=_("Search by company name or NIT"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
    )
    executive = forms.ModelChoiceField(
        label=_("Executive"), queryset=None, required=False, empty_label=_("All executives")
    )
    bucket = forms.ChoiceField(
        label=_("Days overdue"),
        choices=[("", _("Any age")), *[(b.code, b.label) for b in AGEING_BUCKETS]],
        required=False,
    )
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=PAGE_MAX, required=False)

    def __init__(self, *args, sees_every_portfolio: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if sees_every_portfolio:
            self.fields["executive"].queryset = executives()
        else:
            # An executive works her own portfolio only: no filter to offer or to trust.
            del self.fields["executive"]

    def filters(self) -> dict:
        """The selector's keyword arguments, from the valid fields only."""
        self.is_valid()
        data = self.cleaned_data
        executive = data.get("executive")
        return {
            "search": (data.get("q") or "").strip(),
            "executive_id": executive.pk if executive else None,
            "bucket": data.get("bucket") or "",
        }

    def page_number(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("page") or 1


class ProformaFilterForm(BoundedForm):
    """The proformas list's filters: a month (of those with proformas), a
    customer by name or NIT, a page. A value that makes no sense is reported
    in Spanish and that filter left out; the rest still apply."""

    month = forms.ChoiceField(label=_("Month"), required=False)
    q = forms.CharField(
        label=_("Customer (name or NIT)"), max_length=SEARCH_MAX_LENGTH, required=False
    )
    company = forms.IntegerField(
        label=_("Customer"), min_value=1, max_value=2**63 - 1, required=False
    )
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=PAGE_MAX, required=False)

    def __init__(self, *args, months: list[date], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [
            ("", _("Every month")),
            *[(f"{m:%Y-%m}", f"{m:%m/%Y}") for m in months],
        ]

    def filters(self) -> dict:
        """The selector's keyword arguments, from the valid fields only."""
        self.is_valid()
        data = self.cleaned_data
        month = data.get("month") or ""
        return {
            "period": date(int(month[:4]), int(month[5:7]), 1) if month else None,
            "search": (data.get("q") or "").strip(),
            "company_id": data.get("company"),
        }

    def page_number(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("page") or 1
