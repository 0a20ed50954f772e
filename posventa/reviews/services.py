"""Writes of procedure K: refresh the review list, open a K case on an item,
note an opportunity and its outcome, issue the migration's installation and
copper-withdrawal work orders, migrate a product to fiber with its
excess-cable charge once installed, send the analysts' daily reports."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.billing.services import charge_add
from posventa.cases.models import Case, CaseStatus
from posventa.cases.services import case_open
from posventa.catalog.models import TariffCode, Technology
from posventa.catalog.selectors import tariff_get
from posventa.common.models import Channel
from posventa.common.money import bs, format_bs, format_number
from posventa.integrations import feasibility
from posventa.inventory.models import Product, ProductStatus
from posventa.outbox.services import email_queue
from posventa.procedures.collisions import CaseCollision
from posventa.reviews import selectors
from posventa.reviews.models import (
    DailyReport,
    ItemKind,
    Opportunity,
    OpportunityOutcome,
    ReviewItem,
)
from posventa.workorders.models import WorkOrder, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_create

SUBJECTS = {
    ItemKind.OPPORTUNITY: "Revisión preventiva: oportunidad de venta ({offered})",
    ItemKind.MIGRATION: "Revisión preventiva: migración a fibra",
    ItemKind.SERVICE: "Revisión preventiva: revisión del servicio",
}


@transaction.atomic
def worklist_refresh(*, on: date | None = None) -> int:
    """Add to the review list what the data finds and is not listed yet (nor
    being worked); drop pending items the data no longer supports. Returns
    how many items were added."""
    on = on or timezone.localdate()
    found = selectors.findings()
    keys = {(f.kind, f.product.pk, f.offered_type) for f in found}
    pending = ReviewItem.objects.filter(case__isnull=True)
    stale = [
        item.pk
        for item in pending.only("kind", "product_id", "offered_type")
        if (item.kind, item.product_id, item.offered_type) not in keys
    ]
    pending.filter(pk__in=stale).delete()
    in_review = ReviewItem.objects.filter(case__isnull=False).exclude(
        case__status=CaseStatus.CLOSED
    )
    listed = set(pending.values_list("kind", "product_id", "offered_type")) | set(
        in_review.values_list("kind", "product_id", "offered_type")
    )
    new = [
        ReviewItem(
            kind=f.kind,
            company=f.product.company,
            product=f.product,
            offered_type=f.offered_type,
            detail=f.detail[:250],
            found_on=on,
        )
        for f in found
        if (f.kind, f.product.pk, f.offered_type) not in listed
    ]
    ReviewItem.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def review_start(*, item: ReviewItem, user) -> Case:
    """Open the K case of a review item (step 1: the analyst takes it from the list)."""
    if user.role != Role.TECHNICAL_ANALYST:
        raise PermissionDenied(_("Only a technical analyst works the review list."))
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.case_id is not None:
        raise ValidationError(
            _("This item is already being reviewed in case %(number)s.")
            % {"number": item.case.number}
        )
    subject = SUBJECTS[item.kind].format(offered=item.get_offered_type_display())
    try:
        # The team's own review: a warning (another change in progress) does
        # not hold it — its migration step stops if the product changed — but
        # a product being relocated or withdrawn is not reviewed.
        case = case_open(
            company=item.company,
            procedure="K",
            channel=Channel.PHONE,
            subject=subject,
            description=item.detail,
            product=item.product,
            user=user,
            acknowledge_open_cases=True,
        )
    except CaseCollision as error:
        raise ValidationError(error.message()) from None
    item.case = case
    item.save(update_fields=["case", "updated_at"])
    return case


@transaction.atomic
def opportunity_note(*, case: Case, offered_type: str, note: str, user=None) -> Opportunity:
    """Step 3: the sale noted for the executive."""
    opportunity, _created = Opportunity.objects.get_or_create(
        case=case,
        defaults={
            "company": case.company,
            "offered_type": offered_type,
            "note": (note or "")[:500],
            "noted_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    opportunity.full_clean()
    return opportunity


@transaction.atomic
def opportunity_decide(*, opportunity: Opportunity, wants_it: bool) -> Opportunity:
    """Step 11: the customer's answer to the commercial proposal."""
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if opportunity.outcome != OpportunityOutcome.PENDING:
        raise ValidationError(_("This opportunity already has its outcome."))
    opportunity.outcome = (
        OpportunityOutcome.TO_SALES if wants_it else OpportunityOutcome.NOT_INTERESTED
    )
    opportunity.decided_at = timezone.now()
    opportunity.save(update_fields=["outcome", "decided_at", "updated_at"])
    return opportunity


def excess_cable_quote(metres) -> dict:
    """The excess-cable charge: metres × the tariff per metre, in Bs rounded
    half-up to cents."""
    metres = Decimal(str(metres or "0"))
    if metres < 0:
        raise ValidationError({"excess_cable_metres": _("Metres cannot be negative.")})
    tariff = tariff_get(TariffCode.EXCESS_CABLE_PER_METRE)
    return {
        "metres": str(metres),
        "per_metre": str(tariff.amount),
        "amount": str(bs(tariff.amount * metres)),
    }


def fiber_at(product: Product):
    """What the network has at the product's address (the adapter of
    settings.POSVENTA_FEASIBILITY_ADAPTER; by default the coverage table)."""
    return feasibility.check(
        address=product.installation_address,
        zone=product.zone,
        neighbourhood=product.neighbourhood,
    )


def migration_errors(product: Product) -> list[str]:
    """Why the product cannot migrate to fiber now (none: it can): it must be
    in service on copper where the network has fiber with free ports. Asked
    when the migration is entered (step 15) and before another installation
    order is issued."""
    if product.status == ProductStatus.WITHDRAWN:
        return [_("A withdrawn product cannot migrate.")]
    if product.technology != Technology.COPPER:
        return [_("The product is no longer on copper.")]
    network = fiber_at(product)
    if Technology.FIBER not in network.available:
        return [
            _("The network has no fiber with free ports at this address any more: %(summary)s")
            % {"summary": network.summary()}
        ]
    return []


def _migration_note(product: Product, metres, observations: str) -> str:
    quote = excess_cable_quote(metres)
    note = f"Migración a fibra del producto {product.service_number}"
    if Decimal(quote["metres"]) > 0:
        note += (
            f"; cable excedente {format_number(quote['metres'])} m "
            f"({format_bs(quote['amount'])}) aceptado"
        )
    if (observations or "").strip():
        note += f". {observations.strip()}"
    return note


@transaction.atomic
def migration_installation_order(
    *, case: Case, product: Product, metres, observations: str = "", user=None
) -> WorkOrder:
    """Step 15: the migration entered issues the installation work order for
    the fiber at the product's address, on the case (Resources management
    installs it; the technical manager assigns and closes it). The product
    stays on copper until that order closes resolved."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    errors = migration_errors(product)
    if errors:
        raise ValidationError({"product": errors})
    return workorder_create(
        kind=WorkOrderKind.INSTALLATION,
        company=product.company,
        product=product,
        case=case,
        description=_migration_note(product, metres, observations)[:2000],
        user=user,
    )


@transaction.atomic
def copper_withdrawal_order(
    *, case: Case, product: Product, installation: WorkOrder, user=None
) -> WorkOrder:
    """Once the fiber is installed, the work order that withdraws the copper
    drop and its equipment: the customer is never without service between
    the two. Issued again when a withdrawal closes without success."""
    if installation.kind != WorkOrderKind.INSTALLATION or installation.product_id != product.pk:
        raise ValidationError({"installation": _("That is not this product's installation.")})
    if installation.state != WorkOrderState.CLOSED_RESOLVED:
        raise ValidationError(
            {"installation": _("The copper is withdrawn only once the fiber is installed.")}
        )
    devices = "; ".join(
        str(device) for device in product.equipment.filter(returned_on__isnull=True)
    )
    description = (
        f"Retiro de la red de cobre del producto {product.service_number}, migrado a fibra "
        f"(instalación {installation.number})"
        + (f". Equipos de cobre en el domicilio: {devices}" if devices else "")
    )
    return workorder_create(
        kind=WorkOrderKind.WITHDRAWAL,
        company=product.company,
        product=product,
        case=case,
        description=description[:2000],
        user=user,
    )


@transaction.atomic
def product_migrate_to_fiber(
    *, product: Product, installation: WorkOrder, metres, observations: str, user=None
) -> dict:
    """The fiber is installed (its work order closed resolved), not before:
    the product moves from copper to fiber (same number, plan and address)
    and the excess cable the customer accepted goes on the month's invoice.
    The network is not asked again: the field unit installed it. Refused —
    nothing changed, nothing charged — if the product was withdrawn or left
    copper meanwhile (another case changed it)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if installation.kind != WorkOrderKind.INSTALLATION or installation.product_id != product.pk:
        raise ValidationError({"installation": _("That is not this product's installation.")})
    if installation.state != WorkOrderState.CLOSED_RESOLVED:
        raise ValidationError(
            {"installation": _("The product moves to fiber only once the fiber is installed.")}
        )
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("A withdrawn product cannot migrate.")})
    if product.technology != Technology.COPPER:
        raise ValidationError({"product": _("Only a product on copper migrates to fiber.")})
    quote = excess_cable_quote(metres)
    product.technology = Technology.FIBER
    product.full_clean()
    product.save(update_fields=["technology", "updated_at"])
    charge = None
    if Decimal(quote["metres"]) > 0:
        charge = charge_add(
            product=product,
            concept=(
                f"Cable excedente de la migración a fibra: {format_number(quote['metres'])} m "
                f"({(observations or '').strip()})"
            )[:200],
            tariff=tariff_get(TariffCode.EXCESS_CABLE_PER_METRE),
            quantity=Decimal(quote["metres"]),
            user=user,
        )
    return {
        "product_id": product.pk,
        "technology": product.technology,
        "charge_id": charge.pk if charge else None,
        "amount": str(charge.amount) if charge else "0.00",
        "summary": f"Producto {product.service_number} migrado a fibra"
        + (f", cable excedente {format_bs(charge.amount)} en su próxima factura" if charge else ""),
    }


# --- Daily report (step 10) ------------------------------------------------------------


@transaction.atomic
def daily_report_send(*, analyst, day: date, force: bool = False) -> DailyReport | None:
    """Store the analyst's day and e-mail it to the division head, the team
    lead and the technical manager — once a day per analyst."""
    report, _created = DailyReport.objects.select_for_update().get_or_create(
        analyst=analyst, day=day
    )
    if report.email_id is not None and not force:
        return report
    work = selectors.analyst_day(analyst=analyst, day=day)
    report.cases_worked = len(work.cases)
    report.diagnoses = len(work.diagnoses)
    report.visits = len(work.visits)
    report.damages = len(work.damages)
    recipients = selectors.report_recipients()
    if recipients:
        report.email = email_queue(
            template="reviews/daily_report",
            to=recipients,
            cc=[analyst.email] if analyst.email else (),
            context={"work": work, "analyst": analyst, "day": day},
            user=analyst,
        )
    report.save()
    return report


def daily_reports_send(*, day: date | None = None) -> int:
    """Every active technical analyst's report for the day (a working day:
    Saturday and Sunday send nothing). Returns how many e-mails went out."""
    day = day or timezone.localdate()
    if day.weekday() >= 5:
        return 0
    sent = 0
    for analyst in selectors.technical_analysts():
        before = DailyReport.objects.filter(analyst=analyst, day=day, email__isnull=False).exists()
        report = daily_report_send(analyst=analyst, day=day)
        sent += int(report.email_id is not None and not before)
    return sent
