"""Products, by service number: the company (NIT), the plan, the access
network, where and when it was installed, its permanence and its status."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.catalog.models import Plan, Technology
from posventa.customers.models import Company
from posventa.imports.entities.base import (
    KEEP,
    REQUIRED,
    Field,
    Phase,
    Row,
    Spec,
    among,
    apply_changes,
    changed_text,
    choice_of,
    diff,
    write,
)
from posventa.imports.models import Entity, RowOutcome
from posventa.imports.values import a_date, fold, nit, text, whole_number
from posventa.inventory.models import Product, ProductStatus
from posventa.inventory.rules import technology_errors

_AMBIGUOUS = object()

TECHNOLOGY = choice_of(
    Technology,
    {
        Technology.COPPER: ("cobre", "adsl", "xdsl", "par de cobre"),
        Technology.FIBER: ("fibra", "fibra optica", "ftth", "gpon", "fo"),
    },
    "cobre, fibra",
)
STATUS = choice_of(
    ProductStatus,
    {
        ProductStatus.ACTIVE: ("activo", "vigente", "habilitado", "alta"),
        ProductStatus.SUSPENDED: ("suspendido", "suspension temporal", "suspendido temporalmente"),
        ProductStatus.WITHDRAWN: ("retirado", "baja", "dado de baja", "cancelado"),
    },
    "activo, suspendido, retirado",
)


def _f(name):
    return Product._meta.get_field(name).verbose_name


def plans_by_name() -> dict[str, object]:
    """Every plan by its code and by its name (folded), with its product
    type; a name two plans share maps to _AMBIGUOUS, and a code always wins."""
    plans = list(Plan.objects.select_related("product_type"))
    names: dict[str, object] = {}
    for plan in plans:
        key = fold(plan.name)
        names[key] = plan if key not in names else _AMBIGUOUS
    return names | {fold(plan.code): plan for plan in plans}


class Products(Spec):
    entity = Entity.PRODUCTS
    model = Product
    key = ("service_number",)
    fields = (
        Field("service_number", _f("service_number"), text(32), True, REQUIRED),
        Field("nit", gettext_lazy("company's NIT"), nit, True, REQUIRED),
        Field("plan", _f("plan"), text(150), True, REQUIRED),
        Field("technology", _f("technology"), TECHNOLOGY),
        Field("installation_address", _f("installation_address"), text(250), True, REQUIRED),
        Field("zone", _f("zone"), text(100)),
        Field("neighbourhood", _f("neighbourhood"), text(100)),
        Field("installed_on", _f("installed_on"), a_date, True, REQUIRED),
        Field(
            "minimum_permanence_months",
            _f("minimum_permanence_months"),
            whole_number(0, 60),
            empty=KEEP,
        ),
        Field("status", _f("status"), STATUS, empty=KEEP),
        Field("withdrawn_on", _f("withdrawn_on"), a_date, empty_value=None),
    )

    def start(self, phase: Phase) -> None:
        phase.memo["plans"] = plans_by_name()
        phase.memo["plans_by_id"] = {
            p.pk: p for p in phase.memo["plans"].values() if p is not _AMBIGUOUS
        }

    def process(self, rows: list[Row], phase: Phase) -> None:
        plans = phase.memo["plans"]
        live = [row for row in rows if not row.refused]
        companies = dict(
            Company.objects.filter(among("nit", {r.values["nit"] for r in live})).values_list(
                "nit", "id"
            )
        )
        stored = {
            p.service_number: p
            for p in phase.lock(
                Product.objects.filter(
                    among("service_number", {r.values["service_number"] for r in live})
                )
            )
        }
        by_id = phase.memo["plans_by_id"]
        creates, updates = [], []
        for row in live:
            values = row.values
            product = stored.get(values["service_number"])
            if product is not None and product.plan_id in by_id:
                product.plan = by_id[product.plan_id]  # the phase's plans: no query
            company_id = companies.get(values["nit"])
            if company_id is None:
                phase.problem(row, "nit", _("no company has this NIT."))
            plan = plans.get(fold(values["plan"]))
            if plan is None:
                phase.problem(row, "plan", _("no plan has this code or name."))
            elif plan is _AMBIGUOUS:
                phase.problem(row, "plan", _("two plans have this name: write its code."))
            if row.refused:
                continue
            self._check_plan(row, phase, product, plan)
            technology = values.get("technology", product.technology if product else "")
            for problem in technology_errors(
                product_type=plan.product_type, technology=technology
            ).values():
                phase.problem(row, "technology" if "technology" in values else "plan", problem)
            status = values.get("status", product.status if product else ProductStatus.ACTIVE)
            withdrawn_on = self._withdrawn_on(row, phase, product, status)
            installed_on = values["installed_on"]
            if withdrawn_on is not None and withdrawn_on < installed_on:
                phase.problem(
                    row, "withdrawn_on", _("a product cannot be withdrawn before it is installed.")
                )
            if row.refused:
                continue
            target = {
                "company_id": company_id,
                "plan_id": plan.pk,
                "technology": technology,
                "installation_address": values["installation_address"],
                "installed_on": installed_on,
                "status": status,
                "withdrawn_on": withdrawn_on,
            }
            for name in ("zone", "neighbourhood", "minimum_permanence_months"):
                if name in values:
                    target[name] = values[name]
            if product is None:
                product = Product(service_number=values["service_number"], **target)
                product.plan = plan
                creates.append(product)
                row.done(RowOutcome.CREATED)
                continue
            changes = diff(product, target)
            if not changes:
                row.done(RowOutcome.UNCHANGED)
                continue
            apply_changes(product, changes)
            product.plan = plan
            updates.append((product, changes))
            row.done(RowOutcome.UPDATED, changed_text(Product, changes))
        write(phase, Product, creates, updates)

    def _check_plan(self, row, phase, product, plan) -> None:
        if product is not None and product.plan_id == plan.pk:
            return  # the plan it has: offered or not, it stays
        if not plan.is_active:
            phase.problem(row, "plan", _("this plan is no longer offered."))
        if product is not None and plan.product_type_id != product.plan.product_type_id:
            phase.problem(
                row,
                "plan",
                _("the plan is for %(new)s, but the product is %(old)s.")
                % {"new": plan.product_type.name, "old": product.plan.product_type.name},
            )

    def _withdrawn_on(self, row, phase, product, status):
        """A withdrawn product says when; any other has no withdrawal date."""
        given = row.values.get("withdrawn_on")
        if status == ProductStatus.WITHDRAWN:
            if "withdrawn_on" not in row.values:
                given = product.withdrawn_on if product else None
            if given is None:
                phase.problem(
                    row,
                    "withdrawn_on" if "withdrawn_on" in phase.columns else "status",
                    _("a withdrawn product needs its withdrawal date."),
                )
            return given
        if given is not None:
            phase.problem(row, "withdrawn_on", _("only a withdrawn product has a withdrawal date."))
        return None
