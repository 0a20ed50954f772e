from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Role
from posventa.campaigns.models import CampaignKind


class CampaignForm(forms.Form):
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        executives = get_user_model().objects.filter(role=Role.EXECUTIVE, is_active=True)
        if user.role == Role.EXECUTIVE:
            executives = executives.filter(pk=user.pk)
            self.fields["executive"].initial = user.pk
        self.fields["executive"].queryset = executives.order_by("username")
