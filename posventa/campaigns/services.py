"""Writes of procedure J: create a call campaign and its worklist, start a
call (the J case), record its result — contact data updated on the spot, or
the problem that hands the call to procedure E."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, Role, can
from posventa.campaigns.models import CallResult, Campaign, CampaignItem, CampaignKind
from posventa.cases.models import Case
from posventa.cases.services import case_open
from posventa.common.models import Channel
from posventa.customers.models import Company, Contact
from posventa.customers.services import contact_create
from posventa.inventory.models import Product, ProductStatus
from posventa.workorders.models import CLOSED_STATES, WorkOrder, WorkOrderKind


def may_manage(user, campaign: Campaign | None = None) -> bool:
    """The executive her own campaigns; the team lead (and who oversees the
    team) every campaign."""
    if can(user, Capability.VIEW_TEAM_INDICATORS):
        return True
    if user.role != Role.EXECUTIVE:
        return False
    return campaign is None or campaign.executive_id == user.pk


@transaction.atomic
def campaign_create(
    *,
    name: str,
    kind: str,
    executive,
    starts_on: date,
    ends_on: date,
    user,
    companies=(),
) -> Campaign:
    """Step 1: the campaign and its worklist from the executive's portfolio
    (or the customers of it chosen in `companies`) — every product in service
    (loyalty), or every damage order closed before the campaign starts and
    not called yet (quality control)."""
    errors = {}
    chosen = {company.pk for company in companies or ()}
    if not isinstance(executive, get_user_model()) or executive.role != Role.EXECUTIVE:
        errors["executive"] = _("Choose the executive whose portfolio is called.")
    elif not may_manage(user) or (user.role == Role.EXECUTIVE and executive.pk != user.pk):
        raise PermissionDenied(_("You may only plan calls on your own portfolio."))
    if kind not in CampaignKind.values:
        errors["kind"] = _("Choose the kind of campaign.")
    if not (name or "").strip():
        errors["name"] = _("Give the campaign a name.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The campaign cannot end before it starts.")
    if chosen and "executive" not in errors:
        outside = Company.objects.filter(pk__in=chosen).exclude(executive=executive)
        if outside.exists():
            errors["companies"] = _("%(names)s are not in this executive's portfolio.") % {
                "names": ", ".join(c.display_name for c in outside.order_by("legal_name"))
            }
    if errors:
        raise ValidationError(errors)
    campaign = Campaign(
        name=name.strip(),
        kind=kind,
        executive=executive,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=user,
    )
    campaign.full_clean()
    campaign.save()
    portfolio = Company.objects.filter(executive=executive)
    if chosen:
        portfolio = portfolio.filter(pk__in=chosen)
    if kind == CampaignKind.LOYALTY:
        products = Product.objects.filter(company__in=portfolio).exclude(
            status=ProductStatus.WITHDRAWN
        )
        items = [
            CampaignItem(campaign=campaign, company_id=p.company_id, product=p)
            for p in products.only("pk", "company_id")
        ]
    else:
        already = CampaignItem.objects.filter(work_order__isnull=False).values("work_order")
        orders = WorkOrder.objects.filter(
            company__in=portfolio,
            kind=WorkOrderKind.DAMAGE,
            state__in=CLOSED_STATES,
            closed_at__date__lte=starts_on,
            product__isnull=False,
        ).exclude(pk__in=already)
        items = [
            CampaignItem(
                campaign=campaign, company_id=o.company_id, product_id=o.product_id, work_order=o
            )
            for o in orders.only("pk", "company_id", "product_id")
        ]
    if not items:
        raise ValidationError(_("There is nobody to call: the worklist would be empty."))
    CampaignItem.objects.bulk_create(items)
    return campaign


SUBJECTS = {
    CampaignKind.LOYALTY: "Llamada de fidelización: {service}",
    CampaignKind.QUALITY: "Llamada de control de calidad: orden {order}",
}


@transaction.atomic
def call_start(*, item: CampaignItem, user) -> Case:
    """Step 2 begins: the executive calls; the call is a J case on the item's
    product (so a problem runs E on it)."""
    item = CampaignItem.objects.select_for_update().select_related("campaign").get(pk=item.pk)
    campaign = item.campaign
    if user.role != Role.EXECUTIVE or campaign.executive_id != user.pk:
        raise PermissionDenied(_("Only the campaign's executive makes its calls."))
    if item.case_id is not None:
        raise ValidationError(
            _("This customer was already called in case %(number)s.") % {"number": item.case.number}
        )
    if timezone.localdate() < campaign.starts_on:
        raise ValidationError(_("The campaign's calls have not started yet."))
    subject = SUBJECTS[campaign.kind].format(
        service=item.product.service_number,
        order=item.work_order.number if item.work_order_id else "",
    )
    case = case_open(
        company=item.company,
        procedure="J",
        channel=Channel.PHONE,
        subject=subject,
        description=campaign.name,
        product=item.product,
        user=user,
    )
    item.case = case
    item.result = CallResult.IN_CALL
    item.save(update_fields=["case", "result", "updated_at"])
    return case


def _item_of(case: Case) -> CampaignItem:
    item = CampaignItem.objects.select_for_update().filter(case=case).first()
    if item is None:
        raise ValidationError(_("This case is not a campaign call."))
    return item


def _close_call(item: CampaignItem, result: str, note: str) -> CampaignItem:
    item.result = result
    item.called_at = timezone.now()
    item.note = (note or "")[:500]
    item.save(update_fields=["result", "called_at", "note", "updated_at"])
    return item


@transaction.atomic
def contact_update(
    *,
    company: Company,
    name: str,
    email: str = "",
    whatsapp: str = "",
    phone: str = "",
    position: str = "",
) -> Contact:
    """Step 3: the customer's contact data as given on the call — the
    primary contact (the contact person) is corrected, or created."""
    name = (name or "").strip()
    email = (email or "").strip()
    if not name:
        raise ValidationError({"contact_name": _("Say who the contact person is.")})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"contact_email": _("Enter a valid e-mail address.")}) from None
    contact = company.contacts.filter(is_primary=True).first()
    if contact is None:
        return contact_create(
            company=company,
            name=name,
            position=position,
            phone=phone,
            whatsapp=whatsapp,
            email=email,
            is_primary=True,
        )
    contact.name = name
    contact.email = email
    contact.whatsapp = (whatsapp or "").strip()
    contact.phone = (phone or "").strip()
    if position:
        contact.position = position.strip()
    contact.full_clean(validate_constraints=False)
    contact.save()
    return contact


@transaction.atomic
def call_without_problem(*, case: Case, contact: dict, note: str = "") -> CampaignItem:
    """Steps 2→3: the services work; the contact data is updated and the
    call is counted as called."""
    item = _item_of(case)
    if item.campaign.kind == CampaignKind.LOYALTY:
        contact_update(company=case.company, **contact)
    return _close_call(item, CallResult.NO_PROBLEM, note)


@transaction.atomic
def call_with_problem(*, case: Case, note: str = "") -> CampaignItem:
    """Steps 2→4: the customer has a problem with the product; E follows."""
    return _close_call(_item_of(case), CallResult.PROBLEM, note)
