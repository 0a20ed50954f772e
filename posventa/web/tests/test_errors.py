"""A service's refusal on the form's fields, or as one line."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from posventa.web.errors import add_to_form, as_text


class Form(forms.Form):
    amount = forms.IntegerField()


def test_errors_land_on_their_field_or_on_the_form():
    form = Form({"amount": "5"})
    assert form.is_valid()
    add_to_form(form, ValidationError({"amount": "Demasiado", "elsewhere": "Otro"}))
    assert form.errors["amount"] == ["Demasiado"]
    assert form.non_field_errors() == ["Otro"]
    add_to_form(form, ValidationError("Sin campo"))
    assert "Sin campo" in form.non_field_errors()


def test_a_refusal_as_one_line():
    assert as_text(ValidationError({"a": "Uno.", "b": "Dos."})) == "Uno. Dos."
    assert as_text(PermissionDenied("No es suyo.")) == "No es suyo."
    assert as_text(PermissionDenied(), "No puede revisar esto.") == "No puede revisar esto."
