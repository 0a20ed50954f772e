"""A task's Django form described as JSON Schema (draft 2020-12), so a script
can fill it in — and the schema tells the whole truth about what the form
refuses:

- `required` lists every field the form refuses when it is missing,
  checkboxes included: a required BooleanField must be checked, so it is
  required with `"const": true` (Django refuses false as well as absent);
- a field that the form's `clean()` asks for only under a condition (when
  another field has a given value) is in an `if`/`then` of `allOf`, and the
  condition is written in the field's description too. The form declares
  such conditions in its class attribute `required_when`:

      required_when = {"promised_on": {"call_result": ["promise"]}}

  (the field is refused when missing while `call_result` is one of the
  values; `True` instead of a list of values means "while that field has any
  value", i.e. is present and not empty/false). A field that `clean()` asks
  for because of the task's own state (an amount to accept, an order to
  close), not of another field, is named in `also_required` (an attribute or
  property: the field names) and is then in `required` like the others;
- a field with choices lists them both as `oneOf` (`const` + `title`, the
  Spanish label) and as `enum` with `x-labels` (code → Spanish label), for
  clients that read only one of the two;
- a file field is `"type": "string", "format": "binary"` with the accepted
  content types (`x-content-types`), the size limit (`x-max-bytes`,
  POSVENTA_UPLOAD_MAX_BYTES) and `contentMediaType` when one type only; a
  form with files is sent as multipart/form-data (`x-encoding`), the other
  fields as form fields of the same request.

The schema-truth test (posventa/api/tests/test_schema_truth.py) walks every
procedure through real tasks and checks, field by field, that `required`
(with its conditions) is exactly what each form refuses.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

MULTIPART = "multipart/form-data"


def _options(field: forms.Field) -> list[dict]:
    if isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField too
        return [
            {"const": obj.pk, "title": field.label_from_instance(obj)} for obj in field.queryset
        ]
    options = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # an optgroup: its options
            options.extend({"const": str(v), "title": str(lbl)} for v, lbl in label if v != "")
        elif value != "":
            options.append({"const": str(value), "title": str(label)})
    return options


def _choices(schema: dict, options: list[dict]) -> None:
    """The options as oneOf (const + title), enum and x-labels."""
    schema["oneOf"] = options
    schema["enum"] = [option["const"] for option in options]
    schema["x-labels"] = {str(option["const"]): option["title"] for option in options}


def _file_schema(schema: dict) -> None:
    from posventa.common.uploads import ALLOWED_KINDS  # the host's upload rules

    types = sorted({kind.content_type for kind in ALLOWED_KINDS})
    schema.update(type="string", format="binary")
    if len(types) == 1:
        schema["contentMediaType"] = types[0]
    schema["x-content-types"] = types
    schema["x-max-bytes"] = settings.POSVENTA_UPLOAD_MAX_BYTES
    note = _(
        "A file: send the form as multipart/form-data, this field as a file part "
        "(at most %(bytes)s bytes)."
    ) % {"bytes": settings.POSVENTA_UPLOAD_MAX_BYTES}
    schema["description"] = f"{schema['description']} {note}" if "description" in schema else note


def _field_schema(field: forms.Field) -> dict:
    schema: dict = {"title": str(field.label or "")}
    if field.help_text:
        schema["description"] = str(field.help_text)
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        # Several of the options: a list of their values, each once.
        item_type = "integer" if isinstance(field, forms.ModelChoiceField) else "string"
        items: dict = {"type": item_type}
        _choices(items, _options(field))
        schema.update(type="array", uniqueItems=True, items=items)
        if field.required:
            schema["minItems"] = 1
    elif isinstance(field, forms.ModelChoiceField):
        schema["type"] = "integer"
        _choices(schema, _options(field))
    elif isinstance(field, forms.ChoiceField):
        schema["type"] = "string"
        _choices(schema, _options(field))
    elif isinstance(field, forms.BooleanField):
        schema["type"] = "boolean"
        if field.required:
            # Django's required checkbox: it must be checked (false is refused).
            schema["const"] = True
    elif isinstance(field, forms.IntegerField):
        schema["type"] = "integer"
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        schema["type"] = "number"
    elif isinstance(field, forms.DateTimeField):
        schema.update(type="string", format="date-time")
    elif isinstance(field, forms.DateField):
        schema.update(type="string", format="date")
    elif isinstance(field, forms.FileField):
        _file_schema(schema)
    else:
        schema["type"] = "string"
    for attribute, keyword in (
        ("max_length", "maxLength"),
        ("min_length", "minLength"),
        ("max_value", "maximum"),
        ("min_value", "minimum"),
    ):
        if isinstance(field, forms.FileField) and attribute == "max_length":
            continue  # the file name's length, not the value's
        value = getattr(field, attribute, None)
        if value is not None:
            schema[keyword] = float(value) if keyword in ("maximum", "minimum") else value
    if field.initial not in (None, ""):
        initial = field.initial() if callable(field.initial) else field.initial
        if isinstance(initial, str | int | float | bool):
            schema["default"] = initial
    if field.disabled:
        schema["readOnly"] = True
    return schema


def _condition_text(other: str, values, form: forms.Form) -> str:
    label = str(form.fields[other].label or other) if other in form.fields else other
    if values is True:
        return _("Required when “%(field)s” has a value.") % {"field": label}
    return _("Required when “%(field)s” is %(values)s.") % {
        "field": label,
        "values": " / ".join(f"“{value}”" for value in values),
    }


def _condition(other: str, values) -> dict:
    """The JSON Schema `if` of "`other` has one of `values`" (True: any value)."""
    if values is True:
        test: dict = {"not": {"enum": [None, "", False, []]}}
    else:
        test = {"enum": list(values)}
    return {"required": [other], "properties": {other: test}}


def required_when(form: forms.Form) -> dict[str, dict]:
    """The form's conditional requirements that apply to its fields: field →
    {other field: values or True}."""
    declared = getattr(form, "required_when", None) or {}
    return {
        name: {other: values for other, values in conditions.items() if other in form.fields}
        for name, conditions in declared.items()
        if name in form.fields
    }


def form_json_schema(form: forms.Form) -> dict:
    """JSON Schema (draft 2020-12) of the form's fields and which are required."""
    properties = {name: _field_schema(field) for name, field in form.fields.items()}
    for name, value in form.initial.items():
        if name in properties and isinstance(value, str | int | float | bool):
            properties[name]["default"] = value
    required = [
        name for name, field in form.fields.items() if field.required and not field.disabled
    ]
    for name in getattr(form, "also_required", None) or ():
        if name in form.fields and name not in required:
            required.append(name)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": properties,
        "required": required,
    }
    conditions = []
    for name, others in required_when(form).items():
        texts = []
        for other, values in others.items():
            conditions.append({"if": _condition(other, values), "then": {"required": [name]}})
            texts.append(_condition_text(other, values, form))
        if texts:
            text = " ".join(texts)
            described = properties[name].get("description")
            properties[name]["description"] = f"{described} {text}" if described else text
    if conditions:
        schema["allOf"] = conditions
    if any(isinstance(field, forms.FileField) for field in form.fields.values()):
        schema["x-encoding"] = MULTIPART
    return schema
