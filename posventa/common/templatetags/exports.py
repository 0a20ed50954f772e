"""The "Download Excel" link of a list page (common/exports.py)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from posventa.common.exports import FORMAT_PARAM, XLSX

register = template.Library()


@register.simple_tag(takes_context=True)
def xlsx_link(context, url_name: str = "", label: str = "") -> str:
    """A link to the list's Excel file with the filters in force: this page
    with `formato=xlsx` added to its query string, or — `url_name` given —
    that export-only address with the same filters. The page number is left
    out: the file holds every row of the filters, not one page."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    if url_name:
        query.pop(FORMAT_PARAM, None)
        base = reverse(url_name)
    else:
        query[FORMAT_PARAM] = XLSX
        base = request.path
    encoded = query.urlencode()
    href = f"{base}?{encoded}" if encoded else base
    return format_html(
        '<a class="btn btn-sm btn-outline-success" href="{}" data-export="xlsx">{}</a>',
        href,
        label or _("Download Excel"),
    )
