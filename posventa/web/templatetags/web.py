from decimal import InvalidOperation

from django import forms, template

from posventa.common.money import format_amount, format_bs, format_number

register = template.Library()


@register.filter
def bs(value) -> str:
    """Bs 1.234,50 (what is not a number is shown as it is: a page never fails
    on it)"""
    if value in (None, ""):
        return ""
    try:
        return format_bs(value)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


@register.filter
def amount(value) -> str:
    """1.234,50 — an amount under a "Bs" heading."""
    if value in (None, ""):
        return ""
    try:
        return format_amount(value)
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


@register.filter
def number(value, places=None) -> str:
    """1.234,5 — a quantity; `number:2` rounds to two decimals."""
    if value in (None, ""):
        return ""
    try:
        return format_number(value, None if places in (None, "") else int(places))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


@register.filter
def widget_kind(field) -> str:
    """How _form.html lays a field out: check, radio, file or control."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "check"
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    if isinstance(widget, forms.Select):
        return "select"
    return "control"


@register.simple_tag
def bootstrap_widget(field):
    """The field's widget with Bootstrap's classes and its error state."""
    kind = widget_kind(field)
    css = {"check": "form-check-input", "select": "form-select"}.get(kind, "form-control")
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    if field.help_text:
        attrs["aria-describedby"] = (
            attrs.get("aria-describedby", "") + f" {field.auto_id}_help"
        ).strip()
    return field.as_widget(attrs=attrs)
