from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def duration_hours(duration) -> str:
    """A duration in hours with one decimal, as the team reads it: "3,5 h"."""
    if duration is None:
        return "—"
    return f"{number_format(duration.total_seconds() / 3600, 1)} h"
