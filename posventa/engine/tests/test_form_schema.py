"""A form described as JSON Schema: what a script needs to fill it in."""

import pytest
from django import forms

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
