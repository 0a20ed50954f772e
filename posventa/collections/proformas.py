"""Reads of the proformas produced (procedure I, steps 1–2): the list page's
rows by month and customer, scoped by the user's portfolio; the months that
have them; what a finished run did."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from posventa.collections.models import Proforma, ProformaRun, ProformaSending
from posventa.common.models import Channel
from posventa.customers.models import Company
from posventa.customers.selectors import companies_matching


def proformas_visible_to(user) -> QuerySet[Proforma]:
    """The proformas of the customers the user may see (an executive, her
    portfolio's): the list's rows and the only ones a download may reach —
    another portfolio's proforma answers as a missing one."""
    return Proforma.objects.filter(
        sending__company__in=Company.objects.visible_to(user).values("pk")
    ).select_related("sending__company", "product__plan__product_type")


def proforma_rows(
    *, user, period: date | None = None, search: str = "", company_id: int | None = None
) -> QuerySet[Proforma]:
    """The list page's proformas: of a month, of a customer (by name or NIT,
    or one company), the latest month first, then by customer and contract."""
    rows = proformas_visible_to(user)
    if period is not None:
        rows = rows.filter(sending__period=period)
    if company_id is not None:
        rows = rows.filter(sending__company_id=company_id)
    if search:
        rows = rows.filter(
            sending__company__in=companies_matching(Company.objects.all(), search).values("pk")
        )
    return rows.order_by(
        "-sending__period", "sending__company__legal_name", "product__service_number"
    )


def proforma_months(*, user, limit: int = 36) -> list[date]:
    """The months that have proformas the user may see, the latest first."""
    return list(
        ProformaSending.objects.filter(company__in=Company.objects.visible_to(user).values("pk"))
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()[:limit]
    )


@dataclass(frozen=True)
class RunSummary:
    """What a finished run did: the proformas it produced, how many went by
    e-mail, how many customers get theirs on paper."""

    proformas: int
    sent: int
    on_paper_customers: int


def run_summary(run: ProformaRun) -> RunSummary:
    sendings = ProformaSending.objects.filter(run=run)
    return RunSummary(
        proformas=Proforma.objects.filter(sending__run=run).count(),
        sent=Proforma.objects.filter(
            sending__run=run, sending__channel=Channel.EMAIL, sending__email__isnull=False
        ).count(),
        on_paper_customers=sendings.filter(channel=Channel.LETTER).count(),
    )
