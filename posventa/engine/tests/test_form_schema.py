"""A form described as JSON Schema: what a script needs to fill it in."""

import pytest
from django import forms
from django.test import override_settings

from posventa.accounts.models import User
from posventa.engine.form_schema import form_json_schema


class Sample(forms.Form):
    kind = forms.ChoiceField(choices=[("", "—"), ("a", "Uno"), ("b", "Dos")])
    months = forms.MultipleChoiceField(label="Meses", choices=[("1", "Enero"), ("2", "Febrero")])
    people = forms.ModelMultipleChoiceField(queryset=User.objects.order_by("pk"), required=False)
    when = forms.DateField(required=False)
    agree = forms.BooleanField(required=False)


@pytest.mark.django_db
def test_single_and_multiple_choices_are_described_as_a_script_sends_them():
    person = User.objects.create(username="ana", role="executive")
    schema = form_json_schema(Sample())
    properties = schema["properties"]
    assert properties["kind"]["type"] == "string"
    assert [o["const"] for o in properties["kind"]["oneOf"]] == ["a", "b"]
    assert properties["months"] == {
        "title": "Meses",
        "type": "array",
        "uniqueItems": True,
        "items": {
            "type": "string",
            "oneOf": [{"const": "1", "title": "Enero"}, {"const": "2", "title": "Febrero"}],
            "enum": ["1", "2"],
            "x-labels": {"1": "Enero", "2": "Febrero"},
        },
        "minItems": 1,
    }
    assert properties["people"]["items"]["type"] == "integer"
    assert properties["people"]["items"]["oneOf"] == [{"const": person.pk, "title": "ana"}]
    assert "minItems" not in properties["people"]
    assert properties["when"]["format"] == "date"
    assert properties["agree"]["type"] == "boolean"
    assert schema["required"] == ["kind", "months"]
    # A list, as the schema says, is what the form takes.
    assert Sample({"kind": "a", "months": ["1", "2"], "people": [person.pk]}).is_valid()


class Conditional(forms.Form):
    agree = forms.BooleanField(label="Acepto")
    maybe = forms.BooleanField(required=False)
    result = forms.ChoiceField(choices=[("promise", "Promete"), ("none", "Nada")])
    promised_on = forms.DateField(required=False)
    charge = forms.BooleanField(required=False)
    scan = forms.FileField(required=False)
    required_when = {"promised_on": {"result": ["promise"]}}
    also_required = ["charge"]


@pytest.mark.django_db
@override_settings(POSVENTA_UPLOAD_MAX_BYTES=4321)
def test_the_schema_says_every_requirement_the_form_has():
    schema = form_json_schema(Conditional())
    properties = schema["properties"]
    # A required checkbox must be ticked: required, and only true.
    assert properties["agree"] == {"title": "Acepto", "type": "boolean", "const": True}
    assert "const" not in properties["maybe"]
    assert properties["result"]["enum"] == ["promise", "none"]
    assert properties["result"]["x-labels"] == {"promise": "Promete", "none": "Nada"}
    # Asked for by clean() under a condition: if/then, and said in words.
    assert schema["allOf"] == [
        {
            "if": {"required": ["result"], "properties": {"result": {"enum": ["promise"]}}},
            "then": {"required": ["promised_on"]},
        }
    ]
    description = properties["promised_on"]["description"]
    assert "result" in description and "promise" in description
    # Asked for by clean() because of the task's state.
    assert schema["required"] == ["agree", "result", "charge"]
    # A file: binary, its types and size, sent as multipart/form-data.
    scan = properties["scan"]
    assert (scan["type"], scan["format"], scan["x-max-bytes"]) == ("string", "binary", 4321)
    assert "application/pdf" in scan["x-content-types"]
    assert "multipart/form-data" in scan["description"]
    assert schema["x-encoding"] == "multipart/form-data"
    assert "x-encoding" not in form_json_schema(Sample())
