from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Role
from posventa.campaigns.models import CampaignKind
from posventa.common.forms import BoundedForm
from posventa.customers.models import Company


class CampaignForm(BoundedForm):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    executive = forms.ModelChoiceField(
        label=_("Executive"), queryset=get_user_model().objects.none()
    )
    starts_on = forms.DateField(
        label=_("Calls from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("Calls until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    companies = forms.ModelMultipleChoiceField(
        label=_("Customers"),
        queryset=Company.objects.none(),
        required=False,
        help_text=_("None chosen: every customer of the portfolio."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        executives = get_user_model().objects.filter(role=Role.EXECUTIVE, is_active=True)
        if user.role == Role.EXECUTIVE:
            executives = executives.filter(pk=user.pk)
            self.fields["executive"].initial = user.pk
        self.fields["executive"].queryset = executives.order_by("username")
        self.fields["companies"].queryset = (
            Company.objects.visible_to(user).filter(executive__in=executives).order_by("legal_name")
        )
