"""One product, one change at a time: which requests may be opened on a
product while another case is still open on it.

The table is the rule (`collision_rule`), written out with its reasons in
`docs/collisions.md`. A refusal stops the request at the door and shows the
open case; a warning shows it and lets the person open the request once she
says she saw it. Requests that change nothing on the product (F, G, I, J, L)
never collide.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.cases.models import Case, CaseStatus
from posventa.engine.models import HumanTask
from posventa.engine.registry import registry
from posventa.inventory.models import Product


class Decision(StrEnum):
    REFUSE = "refuse"
    WARN = "warn"


@dataclass(frozen=True)
class Rule:
    """Why two requests on one product collide, and what the door does."""

    code: str
    decision: Decision
    reason: str


# The product leaves or is replaced (relocation, withdrawal).
LEAVING = ("C", "H")
# The product's plan, services or status change; K may migrate it to fiber.
CHANGING = ("A", "B", "D", "K")
# The requests the door checks.
CHECKED = (*LEAVING, *CHANGING, "E")

SAME = Rule(
    "same",
    Decision.REFUSE,
    gettext_lazy("The same request is already in progress on this product: follow it in its case."),
)
PRODUCT_LEAVING = Rule(
    "leaving",
    Decision.REFUSE,
    gettext_lazy(
        "The product is being relocated or withdrawn: a change now would be lost, or "
        "billed on a product that leaves. Wait for that case to end, or have it cancelled."
    ),
)
CHANGE_FIRST = Rule(
    "change_first",
    Decision.REFUSE,
    gettext_lazy(
        "A change is still in progress on this product: it must end (or be cancelled) "
        "before the product is relocated or withdrawn, or it would be lost."
    ),
)
REVIEW_IN_PROGRESS = Rule(
    "review",
    Decision.WARN,
    gettext_lazy(
        "A preventive review may migrate this product to fiber: its step will stop if "
        "this request changes the product first."
    ),
)
TWO_CHANGES = Rule(
    "two_changes",
    Decision.WARN,
    gettext_lazy(
        "Another change is in progress on this product. Both can stand (plan, services "
        "and status are changed by different steps), but check that they agree."
    ),
)
DAMAGE = Rule(
    "damage",
    Decision.WARN,
    gettext_lazy(
        "A damage and a change meet on this product: the damage may come from the "
        "change, or be solved by it. Check the open case before going on."
    ),
)


def collision_rule(new: str, open_: str) -> Rule | None:
    """What the door does with a request of procedure `new` on a product that
    has an open case of procedure `open_` (None: they do not collide)."""
    if new not in CHECKED or open_ not in CHECKED:
        return None
    if new == open_:
        return SAME
    if "E" in (new, open_):
        return DAMAGE
    if open_ in LEAVING:
        return PRODUCT_LEAVING
    if new in LEAVING:
        return REVIEW_IN_PROGRESS if open_ == "K" else CHANGE_FIRST
    return TWO_CHANGES


@dataclass(frozen=True)
class Collision:
    """An open case the new request meets, where it stands, and the rule."""

    case: Case
    rule: Rule
    steps: list[HumanTask]

    @property
    def refused(self) -> bool:
        return self.rule.decision == Decision.REFUSE

    def where(self) -> str:
        """Who holds it and at which step, in a sentence."""
        if not self.steps:
            return _("waits for an event (a date, a work order, an answer)")
        return "; ".join(
            _("%(step)s, held by %(who)s")
            % {
                "step": task.name,
                "who": task.assignee.get_full_name() or task.assignee.username
                if task.assignee
                else registry.role_label(task.role),
            }
            for task in self.steps
        )

    def message(self) -> str:
        return _("%(number)s (%(procedure)s) is open: %(where)s. %(reason)s") % {
            "number": self.case.number,
            "procedure": self.case.get_procedure_display(),
            "where": self.where(),
            "reason": self.rule.reason,
        }


def open_collisions(*, procedure: str, product: Product | None) -> list[Collision]:
    """The open cases on `product` a new request of `procedure` collides
    with, the refusals first."""
    if product is None or procedure not in CHECKED:
        return []
    cases = (
        Case.objects.filter(product=product, procedure__in=CHECKED)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("instance")
        .prefetch_related(
            Prefetch(
                "instance__human_tasks",
                queryset=HumanTask.objects.select_related("assignee").order_by("created_at"),
            )
        )
        .order_by("received_at")
    )
    found = []
    for case in cases:
        rule = collision_rule(procedure, case.procedure)
        if rule is not None:
            steps = list(case.instance.human_tasks.all()) if case.instance else []
            found.append(Collision(case=case, rule=rule, steps=steps))
    return sorted(found, key=lambda c: not c.refused)


class CaseCollision(Exception):
    """The request meets open cases on its product: refused, or a warning
    not yet acknowledged. `collisions` says which and why."""

    def __init__(self, collisions: list[Collision]):
        self.collisions = collisions
        self.refused = any(c.refused for c in collisions)
        super().__init__(self.message())

    def message(self) -> str:
        opening = (
            _("The request was not opened.")
            if self.refused
            else _("Check the open case before opening the request.")
        )
        return " ".join([opening, *(c.message() for c in self.collisions)])
