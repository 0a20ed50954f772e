"""The header search: one text, every kind of thing a person looks for, each
kind scoped by the user exactly as its own list is.

Keys and how they are found (search/index.py says why each is fast):

- a case number ("PV-2026-000123", "2026-000123", "123") and a work-order
  number ("OT-2026-000123", "2026-000123", "123"): exact numbers, through the
  unique index of `number`; a bare number is tried in each of the last
  `NUMBER_YEARS` years;
- a NIT, whole or its first digits: a range on the unique index of `nit`;
- a company's legal or trade name, a contact's name, e-mail or phone, a
  product's service number: every word (three letters or more) inside the
  text, accents and case aside, through the trigram index of each vendor.

Work orders only for the roles that may see them (`VIEW_WORK_ORDERS`);
companies, contacts, products, cases and work orders only of the companies
the user may open (`Company.objects.visible_to`).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import connections
from django.db.models import F, Func, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Capability, can
from posventa.cases.selectors import cases_visible_to
from posventa.common.nit import NIT_MAX_DIGITS
from posventa.customers.models import Contact
from posventa.customers.selectors import companies_visible_to
from posventa.inventory.models import Product
from posventa.search import index
from posventa.workorders.models import WorkOrder

MAX_QUERY_LENGTH = 100
# The trigram indexes cannot look for less than three letters.
MIN_WORD_LENGTH = 3
MAX_WORDS = 6
NUMBER_YEARS = 10
DROPDOWN_LIMIT = 5
PAGE_LIMIT = 50

_YEAR_NUMBER = re.compile(r"(?:(PV|OT)-?)?([0-9]{4})-([0-9]{1,6})")
_BARE_NUMBER = re.compile(r"(?:(PV|OT)-?)?([0-9]{1,6})")
_ANY_NUMBER = re.compile(r"[A-Z0-9-]{3,20}")
_PHONE_LIKE = re.compile(r"[0-9 ()+./-]+")


class Kind(StrEnum):
    CASE = "case"
    WORK_ORDER = "work_order"
    COMPANY = "company"
    CONTACT = "contact"
    PRODUCT = "product"


TITLES = {
    Kind.CASE: _("Requests"),
    Kind.WORK_ORDER: _("Work orders"),
    Kind.COMPANY: _("Companies"),
    Kind.CONTACT: _("Contacts"),
    Kind.PRODUCT: _("Products"),
}


@dataclass(frozen=True)
class Terms:
    """What a search text asks for, key by key."""

    case_numbers: tuple[str, ...] = ()
    work_order_numbers: tuple[str, ...] = ()
    nit_prefix: str = ""
    # Folded words, each of MIN_WORD_LENGTH letters or more.
    words: tuple[str, ...] = ()
    # The digits of a phone-like text (contacts' phones, service numbers).
    digits: str = ""

    def __bool__(self) -> bool:
        return bool(self.case_numbers or self.work_order_numbers or self.nit_prefix or self.words)


@dataclass(frozen=True)
class Hit:
    label: str
    detail: str
    url: str


@dataclass
class Group:
    kind: Kind
    hits: list[Hit]
    # More than the hits shown were found.
    more: bool = False

    @property
    def title(self) -> str:
        return str(TITLES[self.kind])


@dataclass
class Results:
    text: str
    groups: list[Group] = field(default_factory=list)
    # The text was refused (too long, a control character): nothing searched.
    refused: bool = False
    # The text was too short to search anything.
    too_short: bool = False

    @property
    def count(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def _acceptable(text: str) -> bool:
    """No NUL, control or unpaired surrogate character; not too long."""
    if len(text) > MAX_QUERY_LENGTH:
        return False
    return not any(unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn") for char in text)


def _numbers(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def parse(text: str, *, this_year: int | None = None) -> Terms | None:
    """The keys a search text holds, or None if the text is refused."""
    text = (text or "").strip()
    if not _acceptable(text):
        return None
    this_year = this_year or timezone.localdate().year
    compact = text.upper().replace(" ", "")
    cases: list[str] = []
    orders: list[str] = []
    if match := _YEAR_NUMBER.fullmatch(compact):
        prefix, year, number = match.group(1), int(match.group(2)), int(match.group(3))
        if prefix != "OT":
            cases.append(_numbers("PV", year, number))
        if prefix != "PV":
            orders.append(_numbers("OT", year, number))
    elif (match := _BARE_NUMBER.fullmatch(compact)) and int(match.group(2)) > 0:
        prefix, number = match.group(1), int(match.group(2))
        years = range(this_year, this_year - NUMBER_YEARS, -1)
        if prefix != "OT":
            cases.extend(_numbers("PV", year, number) for year in years)
        if prefix != "PV":
            orders.extend(_numbers("OT", year, number) for year in years)
    if _ANY_NUMBER.fullmatch(compact) and any(char.isdigit() for char in compact):
        # A number as stored, whatever its form.
        cases.append(compact)
        orders.append(compact)

    digits = ""
    nit_prefix = ""
    if _PHONE_LIKE.fullmatch(text):
        digits = index.phone_digits(text)
        nit = re.sub(r"[\s.\-]", "", text)
        if nit.isdigit() and MIN_WORD_LENGTH <= len(nit) <= NIT_MAX_DIGITS and nit[0] != "0":
            nit_prefix = nit
    if digits:
        words = (digits,) if len(digits) >= MIN_WORD_LENGTH else ()
    else:
        words = tuple(w for w in index.fold(text).split() if len(w) >= MIN_WORD_LENGTH)
    return Terms(
        case_numbers=tuple(dict.fromkeys(cases)),
        work_order_numbers=tuple(dict.fromkeys(orders)),
        nit_prefix=nit_prefix,
        words=words[:MAX_WORDS],
        digits=digits,
    )


def _text_condition(queryset: QuerySet, kind: str, words: tuple[str, ...]) -> Q:
    """Every word inside the row's folded text, through the vendor's index."""
    if connections[queryset.db].vendor == "postgresql":
        # The same expression as the GIN index: `search_<kind>_text(columns)`.
        return Q(*(Q(search_text__contains=word) for word in words))
    fts = index.fts_table(kind)
    # FTS5 trigram: each quoted word matches as a substring; all must match.
    match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match]))


def _with_text(queryset: QuerySet, kind: str) -> QuerySet:
    if connections[queryset.db].vendor != "postgresql":
        return queryset
    columns = [F(column) for column in index.TABLES[kind]["columns"]]
    return queryset.annotate(
        search_text=Func(*columns, function=index.pg_function(kind), output_field=TextField())
    )


def _nit_range(prefix: str) -> Q:
    # Digits only: "1020" ≤ nit < "1021" is "starts with 1020" in any
    # collation, and a range uses the unique index (LIKE 'x%' may not).
    upper = str(int(prefix) + 1)
    if len(upper) > len(prefix):  # "999" → every NIT from "999" on
        return Q(nit__gte=prefix)
    return Q(nit__gte=prefix, nit__lt=upper)


def _limited(queryset: QuerySet, limit: int) -> tuple[list, bool]:
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def _cases(user, terms: Terms, limit: int) -> tuple[list[Hit], bool]:
    if not terms.case_numbers:
        return [], False
    cases = (
        cases_visible_to(user)
        .filter(number__in=terms.case_numbers)
        .select_related("company")
        .order_by("-received_at", "-pk")
    )
    rows, more = _limited(cases, limit)
    return [
        Hit(
            label=case.number,
            detail=f"{case.subject} · {case.company.display_name} · {case.get_status_display()}",
            url=reverse("cases:detail", args=[case.number]),
        )
        for case in rows
    ], more


def _work_orders(user, terms: Terms, limit: int) -> tuple[list[Hit], bool]:
    if not terms.work_order_numbers or not can(user, Capability.VIEW_WORK_ORDERS):
        return [], False
    orders = (
        WorkOrder.objects.visible_to(user)
        .filter(number__in=terms.work_order_numbers)
        .select_related("company")
        .order_by("-created_at", "-pk")
    )
    rows, more = _limited(orders, limit)
    return [
        Hit(
            label=order.number,
            detail=f"{order.get_kind_display()} · {order.company.display_name}"
            f" · {order.get_state_display()}",
            url=reverse("workorders:detail", args=[order.number]),
        )
        for order in rows
    ], more


def _companies(user, terms: Terms, limit: int) -> tuple[list[Hit], bool]:
    companies = _with_text(companies_visible_to(user), "company")
    condition = Q(pk__in=[])
    if terms.nit_prefix:
        condition |= _nit_range(terms.nit_prefix)
    if terms.words and not terms.digits:
        condition |= _text_condition(companies, "company", terms.words)
    if not (terms.nit_prefix or (terms.words and not terms.digits)):
        return [], False
    rows, more = _limited(companies.filter(condition).order_by("legal_name", "pk"), limit)
    return [
        Hit(
            label=company.display_name,
            detail=f"NIT {company.nit}"
            + (f" · {company.legal_name}" if company.legal_name != company.display_name else ""),
            url=reverse("customers:detail", args=[company.pk]),
        )
        for company in rows
    ], more


def _contacts(user, terms: Terms, limit: int) -> tuple[list[Hit], bool]:
    if not terms.words:
        return [], False
    contacts = _with_text(Contact.objects.filter(company__in=companies_visible_to(user)), "contact")
    contacts = (
        contacts.filter(_text_condition(contacts, "contact", terms.words))
        .select_related("company")
        .order_by("name", "pk")
    )
    rows, more = _limited(contacts, limit)
    return [
        Hit(
            label=contact.name,
            detail=" · ".join(
                part
                for part in (contact.company.display_name, contact.phone, contact.email)
                if part
            ),
            url=reverse("customers:detail", args=[contact.company_id]) + "#contacts-heading",
        )
        for contact in rows
    ], more


def _products(user, terms: Terms, limit: int) -> tuple[list[Hit], bool]:
    if not terms.words:
        return [], False
    products = _with_text(Product.objects.filter(company__in=companies_visible_to(user)), "product")
    products = (
        products.filter(_text_condition(products, "product", terms.words))
        .select_related("company", "plan")
        .order_by("service_number")
    )
    rows, more = _limited(products, limit)
    return [
        Hit(
            label=product.service_number,
            detail=f"{product.plan.name} · {product.company.display_name}"
            f" · {product.get_status_display()}",
            url=reverse("customers:detail", args=[product.company_id])
            + "?seccion=productos#products-heading",  # products are a section of their own
        )
        for product in rows
    ], more


_FINDERS = {
    Kind.CASE: _cases,
    Kind.WORK_ORDER: _work_orders,
    Kind.COMPANY: _companies,
    Kind.CONTACT: _contacts,
    Kind.PRODUCT: _products,
}


def search(*, user, text: str, limit: int = DROPDOWN_LIMIT) -> Results:
    """What the user may see that the text names, grouped by kind (cases,
    work orders, companies, contacts, products), at most `limit` of each."""
    text = text or ""
    terms = parse(text)
    if terms is None:
        return Results(text=text[:MAX_QUERY_LENGTH], refused=True)
    results = Results(text=text.strip())
    if not terms:
        results.too_short = bool(results.text)
        return results
    for kind, finder in _FINDERS.items():
        hits, more = finder(user, terms, limit)
        if hits:
            results.groups.append(Group(kind=kind, hits=hits, more=more))
    return results
