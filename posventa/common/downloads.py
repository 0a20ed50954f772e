"""Sending a stored or generated file back: always as a download.

Every view that answers with a file (a case's documents, the month's
indicators report, the Annex 1 schedule, the visits' calendar feed) uses
`attachment_response`, so a browser saves the file instead of opening it on
our origin, with a content type our code chose and `nosniff`, so no browser
second-guesses it into a page that runs scripts.
"""

import unicodedata
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.utils.cache import patch_cache_control

from posventa.common.uploads import safe_filename

# Content types a browser would run or render as a page of our origin. Our
# code never means to send one as a file; if it ever did, it goes as bytes.
_ACTIVE = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "text/ecmascript",
}


def content_disposition(filename: str) -> str:
    """`attachment` with the name cleaned (`safe_filename`): plain ASCII in
    `filename` for every client, and the Spanish letters in `filename*`
    (RFC 6266 and 5987) for those that read it."""
    name = safe_filename(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = safe_filename(ascii_name)  # a name that was all non-Latin letters
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def attachment_response(content, *, filename: str, content_type: str) -> HttpResponse:
    """The file as a download: `content` is bytes, text (encoded in the
    content type's charset) or an open binary file (streamed, closed when
    sent)."""
    if content_type.split(";")[0].strip().lower() in _ACTIVE:
        content_type = "application/octet-stream"
    if isinstance(content, str | bytes | bytearray):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    # Customers' documents: kept by no shared cache on the way.
    patch_cache_control(response, private=True, no_store=True)
    return response
