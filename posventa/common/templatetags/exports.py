"""The "Download Excel" link of a list page (common/exports.py)."""

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from posventa.common.exports import FORMAT_PARAM, XLSX

register = template.Library()


@register.simple_tag(takes_context=True)
def xlsx_link(context, url_name: str = "", label: str = "", **filters) -> str:
    """A link to the list's Excel file with the filters in force: this page
    with `formato=xlsx` added to its query string, or — `url_name` given —
    that export-only address with the same filters. The page number is left
    out: the file holds every row of the filters, not one page.

    Named `filters` replace the query string: a page that must not echo what
    was typed (an id of another portfolio's customer would then show in the
    link, and the page would differ from that of an id that does not exist)
    gives the filters as it applied them; an empty one is left out."""
    request = context["request"]
    if filters:
        query = QueryDict(mutable=True)
        for name, value in filters.items():
            if value not in (None, ""):
                query[name] = str(value)
    else:
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
        '<a class="btn btn-sm btn-outline-dark" href="{}" data-export="xlsx">{}</a>',
        href,
        label or _("Download Excel"),
    )


@register.filter
def shown_pk(rows, pk):
    """`pk` if one of `rows` (the choices a page offers) has it, else "": a
    filter's id echoed only when it is one of those the user may choose."""
    return pk if pk and any(row.pk == pk for row in rows) else ""
