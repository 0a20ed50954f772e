"""A task's Django form described as JSON Schema, so a script can fill it in."""

from django import forms


def _options(field: forms.Field) -> list[dict]:
    if isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField too
        return [
            {"const": obj.pk, "title": field.label_from_instance(obj)} for obj in field.queryset
        ]
    return [
        {"const": str(value), "title": str(label)} for value, label in field.choices if value != ""
    ]


def _field_schema(field: forms.Field) -> dict:
    schema: dict = {"title": str(field.label or "")}
    if field.help_text:
        schema["description"] = str(field.help_text)
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        # Several of the options: a list of their values, each once.
        item_type = "integer" if isinstance(field, forms.ModelChoiceField) else "string"
        schema.update(
            type="array", uniqueItems=True, items={"type": item_type, "oneOf": _options(field)}
        )
        if field.required:
            schema["minItems"] = 1
    elif isinstance(field, forms.ModelChoiceField):
        schema.update(type="integer", oneOf=_options(field))
    elif isinstance(field, forms.ChoiceField):
        schema.update(type="string", oneOf=_options(field))
    elif isinstance(field, forms.BooleanField):
        schema["type"] = "boolean"
    elif isinstance(field, forms.IntegerField):
        schema["type"] = "integer"
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        schema["type"] = "number"
    elif isinstance(field, forms.DateTimeField):
        schema.update(type="string", format="date-time")
    elif isinstance(field, forms.DateField):
        schema.update(type="string", format="date")
    elif isinstance(field, forms.FileField):
        schema.update(type="string", format="binary")
    else:
        schema["type"] = "string"
    for attribute, keyword in (
        ("max_length", "maxLength"),
        ("min_length", "minLength"),
        ("max_value", "maximum"),
        ("min_value", "minimum"),
    ):
        value = getattr(field, attribute, None)
        if value is not None:
            schema[keyword] = float(value) if keyword in ("maximum", "minimum") else value
    if field.initial not in (None, ""):
        initial = field.initial() if callable(field.initial) else field.initial
        if isinstance(initial, str | int | float | bool):
            schema["default"] = initial
    return schema


def form_json_schema(form: forms.Form) -> dict:
    """JSON Schema (draft 2020-12) of the form's fields and which are required."""
    properties = {name: _field_schema(field) for name, field in form.fields.items()}
    for name, value in form.initial.items():
        if name in properties and isinstance(value, str | int | float | bool):
            properties[name]["default"] = value
    required = [
        name
        for name, field in form.fields.items()
        if field.required and not isinstance(field, forms.BooleanField)
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
    }
