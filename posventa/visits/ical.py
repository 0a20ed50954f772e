"""The analyst's visits as an iCalendar feed (RFC 5545), written by hand so
that running the app does not need the `icalendar` package (the tests read
the feed back with it)."""

from datetime import UTC

from django.utils import timezone
from django.utils.crypto import salted_hmac

from posventa.visits.models import VisitState

_UTC = "%Y%m%dT%H%M%SZ"


def feed_token(analyst) -> str:
    """The secret in an analyst's subscription address: calendar apps fetch
    the feed with no session. It is derived from the password hash, so a new
    password revokes the old address."""
    return salted_hmac("posventa.visits.feed", f"{analyst.pk}:{analyst.password}").hexdigest()[:32]


def _escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def feed(*, analyst, visits, host: str = "posventa") -> str:
    name = analyst.get_full_name() or analyst.username
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Posventa//Visitas soporte tecnico//ES",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    stamp = timezone.now().astimezone(UTC).strftime(_UTC)
    for visit in visits:
        status = "CANCELLED" if visit.state == VisitState.CANCELLED else "CONFIRMED"
        description = "\n".join(
            filter(
                None,
                [
                    f"{visit.work_order.number}",
                    f"Persona: {visit.person}",
                    visit.reason,
                    visit.observations,
                ],
            )
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:visit-{visit.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{visit.starts_at.astimezone(UTC).strftime(_UTC)}",
            f"DTEND:{visit.ends_at.astimezone(UTC).strftime(_UTC)}",
            f"SUMMARY:{_escape(f'Visita: {visit.company}')}",
            f"LOCATION:{_escape(visit.location)}",
            f"DESCRIPTION:{_escape(description)}",
            f"STATUS:{status}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
