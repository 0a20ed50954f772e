"""The demo portfolio as plain data, built from a fixed seed and a reference date.

Nothing here touches the database: `build_demo(today)` returns the whole
portfolio (users, plans, companies with their contacts, products, invoices,
charges, suspensions and interactions), always the same for the same date, so
the loader can skip what already exists and still add exactly what is missing.
Dates are relative to the reference date: invoices cover the last twelve
complete months, interactions the last four months.
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from posventa.billing.rules import due_date_for
from posventa.catalog.reference_data import SUPPLEMENTARY_SERVICES
from posventa.common.dates import add_months, first_of_month
from posventa.demo import data

SEED = 20260415
INVOICE_MONTHS = 12
INTERACTION_DAYS = 120
# Share of customers left with overdue invoices (about 15 %).
DEBTOR_SHARE = 0.15
LA_PAZ = ZoneInfo("America/La_Paz")

SERVICE_NAMES = {code: name for code, name, _description in SUPPLEMENTARY_SERVICES}
PLAN_NAMES = {code: name for code, name, _t, _p, _k in data.PLANS}
INTERNET_TYPES = {"internet", "duo_pack", "multipack"}
TV_TYPES = {"pay_tv", "multipack"}
ONE_PER_COMPANY = {"duo_pack", "multipack", "pay_tv", "boliviatel_ld"}
TYPE_WEIGHTS = {
    "fixed_line": 32,
    "internet": 24,
    "pay_tv": 4,
    "duo_pack": 10,
    "multipack": 7,
    "hspa": 12,
    "boliviatel_ld": 12,
}
TYPE_LABELS = {
    "fixed_line": "la línea",
    "internet": "el internet",
    "pay_tv": "la TV cable",
    "duo_pack": "el Duo Pack",
    "multipack": "el Multipack",
    "hspa": "el HSPA",
    "boliviatel_ld": "la larga distancia",
}


@dataclass
class UserSpec:
    username: str
    role: str
    first_name: str
    last_name: str
    email: str
    job_title: str = ""


@dataclass
class PlanSpec:
    code: str
    name: str
    product_type: str
    monthly_price: Decimal


@dataclass
class ContactSpec:
    name: str
    position: str
    phone: str
    whatsapp: str
    email: str
    preferred_channel: str
    is_primary: bool


@dataclass
class ChargeSpec:
    # The charge is entered before the first invoice of this month or later.
    bill_period: date
    concept: str
    tariff: str
    quantity: int = 1


@dataclass
class InvoiceSpec:
    period: date
    paid_on: date | None


@dataclass
class SuspensionSpec:
    starts_on: date
    ends_on: date


@dataclass
class ProductSpec:
    service_number: str
    product_type: str
    plan: str
    technology: str
    installation_address: str
    zone: str
    neighbourhood: str
    installed_on: date
    minimum_permanence_months: int
    equipment: list[tuple[str, str]] = field(default_factory=list)  # (serial, kind)
    services: list[tuple[str, date]] = field(default_factory=list)  # (code, enabled on)
    suspensions: list[SuspensionSpec] = field(default_factory=list)
    charges: list[ChargeSpec] = field(default_factory=list)
    invoices: list[InvoiceSpec] = field(default_factory=list)
    withdrawn_on: date | None = None


@dataclass
class InteractionSpec:
    occurred_at: datetime
    channel: str
    direction: str
    summary: str
    recorded_by: str
    contact: int | None  # index in the company's contacts


@dataclass
class CompanySpec:
    nit: str
    legal_name: str
    trade_name: str
    sector: str
    size: str
    address: str
    zone: str
    neighbourhood: str
    city: str
    is_public_institution: bool
    executive: str
    contacts: list[ContactSpec] = field(default_factory=list)
    products: list[ProductSpec] = field(default_factory=list)
    interactions: list[InteractionSpec] = field(default_factory=list)


@dataclass
class Demo:
    today: date
    users: list[UserSpec]
    plans: list[PlanSpec]
    companies: list[CompanySpec]


def build_demo(today: date) -> Demo:
    """The whole demo portfolio for this reference date (deterministic)."""
    return _Builder(today).build()


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _last_day_of_month(period: date) -> date:
    return add_months(period, 1) - timedelta(days=1)


def _join_es(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " y " + words[-1]


def _month_label(period: date) -> str:
    return f"{data.MONTHS_ES[period.month - 1]} {period.year}"


class _Builder:
    def __init__(self, today: date):
        self.today = today
        self.rng = random.Random(SEED)
        self.window = [add_months(first_of_month(today), -k) for k in range(INVOICE_MONTHS, 0, -1)]
        self._taken: set[str] = set()

    # -- helpers -----------------------------------------------------------

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value not in self._taken:
                self._taken.add(value)
                return value

    def _digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def _business_time(self, day: date) -> datetime:
        """A moment of a working day (Monday to Friday, 08:30 to 18:00, La Paz),
        on `day` or the Friday before."""
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        minutes = self.rng.randrange(8 * 60 + 30, 18 * 60, 5)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LA_PAZ)

    def _recent_day(self) -> date:
        """A working day of the last four months, before today."""
        return self._weekday_in(self.today - timedelta(days=INTERACTION_DAYS), self.today)

    # -- the parts ---------------------------------------------------------

    def build(self) -> Demo:
        users = [
            UserSpec(
                username=username,
                role=str(role),
                first_name=first,
                last_name=last,
                email=f"{ascii_slug(first.split()[0])}.{ascii_slug(last.split()[0])}"
                "@comteco.example",
                job_title=data.JOB_TITLES.get(username, ""),
            )
            for username, role, first, last in data.TEAM
        ]
        plans = [
            PlanSpec(code, name, type_code, Decimal(price))
            for code, name, type_code, price, _techs in data.PLANS
        ]
        self.users = {u.username: u for u in users}
        executives = [u.username for u in users if u.role == "executive"]
        order = list(range(len(data.COMPANIES)))
        self.rng.shuffle(order)
        owner = {index: executives[pos % len(executives)] for pos, index in enumerate(order)}
        companies = [self._company(row, owner[index]) for index, row in enumerate(data.COMPANIES)]
        self._suspensions(companies)
        self._withdrawals(companies)
        self._charges(companies)
        for company in companies:
            for product in company.products:
                self._invoices(company, product)
        debtors = self._debts(companies)
        for company in companies:
            company.interactions = self._interactions(company, debtors.get(company.nit))
        return Demo(today=self.today, users=users, plans=plans, companies=companies)

    def _nit(self) -> str:
        def make():
            length = self.rng.choices([7, 8, 9, 10, 11], weights=[8, 7, 20, 60, 5])[0]
            return self.rng.choice("123456789") + self._digits(length - 1)

        return self._unique(make)

    def _address(self, place_key: str) -> tuple[str, str, str, str]:
        zone, neighbourhood, city, streets = data.PLACES[place_key]
        street = self.rng.choice(streets)
        if street == "Av. Blanco Galindo":
            address = f"{street} km {self.rng.randint(5, 13)},{self.rng.choice('05')}"
        elif street == "Av. Villazón":
            address = f"{street} km {self.rng.randint(4, 9)}"
        else:
            address = f"{street} N° {self.rng.randint(1, 24) * 100 + self.rng.randint(1, 99)}"
            extra = self.rng.random()
            if extra < 0.25:
                address += f", piso {self.rng.randint(1, 8)}"
            elif extra < 0.4:
                other = self.rng.choice([s for s in streets if s != street] or streets)
                address += f", casi esq. {other}"
        return address, zone, neighbourhood, city

    def _company(self, row, executive: str) -> CompanySpec:
        legal_name, trade_name, sector, size, is_public, place_key = row
        address, zone, neighbourhood, city = self._address(place_key)
        company = CompanySpec(
            nit=self._nit(),
            legal_name=legal_name,
            trade_name=trade_name,
            sector=sector,
            size=size,
            address=address,
            zone=zone,
            neighbourhood=neighbourhood,
            city=city,
            is_public_institution=is_public,
            executive=executive,
        )
        company.contacts = self._contacts(company)
        self._products(company, place_key)
        return company

    def _email_domain(self, company: CompanySpec) -> str:
        stop = {"de", "del", "la", "las", "los", "y", "&", "el", "srl", "sa", "ltda"}
        name = company.trade_name or company.legal_name.split(" - ")[0]
        words = [w for w in (ascii_slug(w) for w in name.split()) if w and w not in stop]
        if company.is_public_institution:
            slug = (
                "".join(w[0] for w in words[:-1]) + words[-1] if len(words) > 2 else "".join(words)
            )
            return f"{slug}.{'edu' if company.sector == 'university' else 'gob'}.example"
        return "".join(words[:2]) + ".example"

    def _contacts(self, company: CompanySpec) -> list[ContactSpec]:
        count = self.rng.choices([1, 2, 3], weights=[25, 45, 30])[0]
        if company.size == "L":
            count = max(count, 2)
        positions = (
            data.PUBLIC_POSITIONS if company.is_public_institution else (data.PRIVATE_POSITIONS)
        )
        positions = self.rng.sample(positions, count)
        domain = self._email_domain(company)
        if company.is_public_institution:
            channels, weights = (
                ["letter", "email", "phone", "in_person", "whatsapp"],
                [
                    30,
                    35,
                    20,
                    10,
                    5,
                ],
            )
        else:
            channels, weights = (
                ["whatsapp", "email", "phone", "in_person", "letter"],
                [
                    35,
                    35,
                    20,
                    5,
                    5,
                ],
            )
        contacts, emails = [], set()
        for index, (male_position, female_position) in enumerate(positions):
            female = self.rng.random() < 0.5
            first = self.rng.choice(data.FEMALE_NAMES if female else data.MALE_NAMES)
            first_surname, second_surname = self.rng.sample(data.SURNAMES, 2)
            local = ascii_slug(first.split()[0])[0] + ascii_slug(first_surname)
            if local in emails:
                local += ascii_slug(second_surname)[0]
            emails.add(local)
            whatsapp = self.rng.choice("67") + self._digits(7) if self.rng.random() < 0.85 else ""
            channel = self.rng.choices(channels, weights=weights)[0]
            if channel == "whatsapp" and not whatsapp:
                channel = "email"
            contacts.append(
                ContactSpec(
                    name=f"{first} {first_surname} {second_surname}",
                    position=female_position if female else male_position,
                    phone=f"4-4{self._digits(6)}",
                    whatsapp=whatsapp,
                    email=f"{local}@{domain}",
                    preferred_channel=channel,
                    is_primary=index == 0,
                )
            )
        return contacts

    def _product_types(self, company: CompanySpec) -> list[str]:
        size = company.size
        count = {
            "S": self.rng.choice([1, 2, 2, 3]),
            "M": self.rng.choice([3, 3, 4, 4, 5]),
            "L": self.rng.randint(5, 7),
        }[size]
        anchor = self.rng.choices(
            ["fixed_line", "duo_pack", "multipack"],
            weights=[50, 30, 20] if size == "S" else [70, 20, 10],
        )[0]
        types = [anchor]
        if company.sector == "hotel":
            types.append("pay_tv")
        if company.sector in {"transport", "agro"}:
            types.append("hspa")
        if company.is_public_institution and size == "L":
            types.append("boliviatel_ld")
        if "duo_pack" not in types and "multipack" not in types:
            types.append("internet")
        while len(types) < count:
            kind = self.rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
            if kind in ONE_PER_COMPANY and kind in types:
                continue
            if kind == "pay_tv" and company.sector not in {
                "hotel",
                "clinic",
                "hospital",
                "services",
            }:
                continue
            types.append(kind)
        return types

    def _plan(self, company: CompanySpec, kind: str, technology: str) -> str:
        candidates = [
            code
            for code, _n, type_code, _p, techs in data.PLANS
            if type_code == kind and (not techs or technology in techs)
        ]
        if kind == "pay_tv":
            hotel = company.sector == "hotel" and company.size in {"M", "L"}
            candidates = [c for c in candidates if (c == "TV-HOTELERO") == hotel]
        if company.size == "S":
            weights = [len(candidates) - i for i in range(len(candidates))]
        elif company.size == "L":
            weights = [i + 1 for i in range(len(candidates))]
        else:
            weights = [1] * len(candidates)
        return self.rng.choices(candidates, weights=weights)[0]

    def _service_number(self, kind: str, company_lines: list[str]) -> str:
        def line():
            return "44" + self._digits(5)

        if kind == "fixed_line":
            number = self._unique(line)
            company_lines.append(number)
            return number
        if kind in {"duo_pack", "multipack"}:
            number = self._unique(line)
            company_lines.append(number)
            return ("DUO-" if kind == "duo_pack" else "MP-") + number
        if kind == "boliviatel_ld":
            # Long distance rides on one of the company's lines when it has one.
            for number in company_lines:
                if f"LD-{number}" not in self._taken:
                    self._taken.add(f"LD-{number}")
                    return f"LD-{number}"
            return "LD-" + self._unique(line)
        if kind == "internet":
            return self._unique(lambda: "INT-" + self.rng.choice("23") + self._digits(6))
        if kind == "pay_tv":
            return self._unique(lambda: "TV-" + self.rng.choice("56") + self._digits(5))
        return self._unique(lambda: "HSPA-" + self.rng.choice("67") + self._digits(7))

    def _serial(self, kind: str) -> str:
        makers = {
            "ont": lambda: self.rng.choice(["HWTC", "ZTEG"]) + f"{self.rng.getrandbits(32):08X}",
            "router": lambda: "TPLR" + f"{self.rng.getrandbits(32):08X}",
            "modem": lambda: "ZXDSL" + self._digits(8),
            "decoder": lambda: "DEC" + self._digits(10),
            "phone": lambda: "PNKX" + self._digits(8),
            "hspa_modem": lambda: "86" + self._digits(13),  # the modem's IMEI
        }
        return self._unique(makers[kind])

    def _equipment(self, kind: str, technology: str, sector: str) -> list[tuple[str, str]]:
        fiber = technology == "fiber"
        kinds: list[str] = []
        if kind == "hspa":
            kinds = ["hspa_modem"]
        elif kind == "fixed_line":
            kinds = ["ont", "phone"] if fiber else ["phone"]
        elif kind == "internet":
            kinds = ["ont"] if fiber else ["modem"]
            if fiber and self.rng.random() < 0.6:
                kinds.append("router")
        elif kind == "pay_tv":
            decoders = self.rng.randint(3, 6) if sector == "hotel" else self.rng.randint(1, 2)
            kinds = (["ont"] if fiber else []) + ["decoder"] * decoders
        elif kind == "duo_pack":
            kinds = ["ont" if fiber else "modem", "phone"]
        elif kind == "multipack":
            kinds = ["ont" if fiber else "modem", "decoder", "phone"]
        return [(self._serial(k), k) for k in kinds]

    def _products(self, company: CompanySpec, place_key: str) -> None:
        company_lines: list[str] = []
        for kind in self._product_types(company):
            installed_on = self.today - timedelta(days=self.rng.randint(400, 6 * 365))
            technology = ""
            if kind not in {"hspa", "boliviatel_ld"}:
                recent = (self.today - installed_on).days < 3 * 365
                fiber = self.rng.random() < (0.7 if recent else 0.35)
                technology = "fiber" if fiber else "copper"
            plan = self._plan(company, kind, technology)
            address, zone, neighbourhood = company.address, company.zone, company.neighbourhood
            if company.size != "S" and kind != "boliviatel_ld" and self.rng.random() < 0.2:
                # A branch office elsewhere in the valley.
                branch = self.rng.choice([k for k in data.PLACES if k != place_key])
                address, zone, neighbourhood, _city = self._address(branch)
            product = ProductSpec(
                service_number=self._service_number(kind, company_lines),
                product_type=kind,
                plan=plan,
                technology=technology,
                installation_address=address,
                zone=zone,
                neighbourhood=neighbourhood,
                installed_on=installed_on,
                minimum_permanence_months=self.rng.choices([0, 12, 18, 24], [30, 30, 15, 25])[0],
                equipment=self._equipment(kind, technology, company.sector),
            )
            if kind == "fixed_line":
                product.services = self._enabled_services(product)
            company.products.append(product)

    def _enabled_services(self, product: ProductSpec) -> list[tuple[str, date]]:
        codes: list[str] = []
        if product.plan == "LF-CENTREX":
            codes.append("centrex")
        if self.rng.random() < 0.45:
            pool = [c for c in data.COMMON_SUPPLEMENTARY_SERVICES if c not in codes]
            codes += self.rng.sample(pool, self.rng.randint(1, 3))
        services = []
        for code in codes:
            if code == "centrex" or self.rng.random() < 0.6:
                enabled_on = product.installed_on
            else:
                span = (self.today - timedelta(days=20) - product.installed_on).days
                enabled_on = product.installed_on + timedelta(days=self.rng.randint(1, span))
            services.append((code, enabled_on))
        return services

    def _suspensions(self, companies: list[CompanySpec]) -> None:
        """A few past temporary suspensions, within the manual's rules: one per
        product per calendar year, four months at most, all already over."""
        candidates = [
            p for c in companies for p in c.products if p.product_type not in {"boliviatel_ld"}
        ]
        chosen = self.rng.sample(candidates, 9)
        for index, product in enumerate(chosen):
            if index < 6:
                # Within the invoiced year: whole months, not billed.
                start = self.rng.randint(1, 7)
                months = self.rng.randint(1, 3)
                starts_on = self.window[start]
                ends_on = _last_day_of_month(self.window[start + months - 1])
                product.suspensions.append(SuspensionSpec(starts_on, ends_on))
            if index >= 4:
                # An older one, in an earlier calendar year.
                year = self.today.year - self.rng.randint(2, 3)
                starts_on = date(year, self.rng.randint(1, 8), 1)
                if starts_on <= product.installed_on:
                    continue
                ends_on = _last_day_of_month(add_months(starts_on, self.rng.randint(0, 2)))
                product.suspensions.append(SuspensionSpec(starts_on, ends_on))
            product.suspensions.sort(key=lambda s: s.starts_on)

    def _withdrawals(self, companies: list[CompanySpec]) -> None:
        """A few products withdrawn at the end of a month, permanence fulfilled."""
        candidates = [
            p for c in companies if len(c.products) > 1 for p in c.products[1:] if not p.suspensions
        ]
        for product in self.rng.sample(candidates, 6):
            withdrawn_on = _last_day_of_month(self.window[self.rng.randint(3, 9)])
            if add_months(product.installed_on, product.minimum_permanence_months) > withdrawn_on:
                continue
            product.withdrawn_on = withdrawn_on

    def _charges(self, companies: list[CompanySpec]) -> None:
        """One-off fees carried by the next invoice: supplementary services
        enabled this year, call details of previous months, relocations, excess
        cable of a fiber migration. Some are this month's, not billed yet."""
        months = [*self.window, first_of_month(self.today)]
        active = [p for c in companies for p in c.products if p.withdrawn_on is None]
        for product in active:
            for code, enabled_on in product.services:
                if enabled_on > product.installed_on and enabled_on >= self.window[0]:
                    product.charges.append(
                        ChargeSpec(
                            first_of_month(enabled_on),
                            f"Habilitación de servicio suplementario: {SERVICE_NAMES[code]}",
                            "supplementary_service",
                        )
                    )
        lines = [p for p in active if p.product_type == "fixed_line"]
        for index, product in enumerate(self.rng.sample(lines, 8)):
            quantity = self.rng.randint(1, 3)
            # Two of them this month: they wait for the next invoice.
            period = months[-1] if index < 2 else self.rng.choice(months[4:-1])
            product.charges.append(
                ChargeSpec(
                    period,
                    f"Detalle de llamadas salientes, {quantity} mes(es) anterior(es)",
                    "call_detail_previous_month",
                    quantity,
                )
            )
        wired = [p for p in active if p.technology]
        for product in self.rng.sample(wired, 4):
            product.charges.append(
                ChargeSpec(
                    self.rng.choice(months[2:]),
                    f"Traslado de {TYPE_LABELS[product.product_type]} a nueva dirección",
                    "relocation",
                )
            )
        fiber = [p for p in active if p.technology == "fiber"]
        for product in self.rng.sample(fiber, 3):
            metres = self.rng.randint(15, 60)
            product.charges.append(
                ChargeSpec(
                    self.rng.choice(months[6:]),
                    f"Cable excedente en la migración a fibra óptica ({metres} m)",
                    "excess_cable_per_metre",
                    metres,
                )
            )
        for product in active:
            product.charges.sort(key=lambda c: c.bill_period)

    def _invoices(self, company: CompanySpec, product: ProductSpec) -> None:
        suspended = {
            period
            for s in product.suspensions
            for period in self.window
            if s.starts_on <= period and _last_day_of_month(period) <= s.ends_on
        }
        last = first_of_month(product.withdrawn_on) if product.withdrawn_on else self.window[-1]
        for period in self.window:
            if period < first_of_month(product.installed_on) or period > last:
                continue
            if period in suspended:
                continue
            due = due_date_for(period)
            paid_on = None
            if due < self.today:
                late = self.rng.random() < (0.4 if company.is_public_institution else 0.1)
                paid_on = due + timedelta(days=self.rng.randint(1, 12)) if late else None
                if paid_on is None or paid_on >= self.today:
                    paid_on = due - timedelta(days=self.rng.randint(1, 14))
            product.invoices.append(InvoiceSpec(period, paid_on))

    def _debts(self, companies: list[CompanySpec]) -> dict[str, tuple[ProductSpec, list]]:
        """About 15 % of the customers leave their last one to three invoices
        past due unpaid, on one of their products."""
        count = round(len(companies) * DEBTOR_SHARE)
        debtors = {}
        for company in self.rng.sample(companies, count):
            products = [p for p in company.products if p.withdrawn_on is None and not p.suspensions]
            if not products:
                continue
            product = self.rng.choice(products)
            past_due = [i for i in product.invoices if due_date_for(i.period) < self.today]
            unpaid = past_due[-self.rng.randint(1, 3) :]
            for invoice in unpaid:
                invoice.paid_on = None
            debtors[company.nit] = (product, unpaid)
        return debtors

    # -- interactions --------------------------------------------------------

    def _weekday_in(self, earliest: date, latest: date) -> date | None:
        earliest = max(earliest, self.today - timedelta(days=INTERACTION_DAYS))
        latest = min(latest, self.today - timedelta(days=1))
        days = [earliest + timedelta(days=n) for n in range((latest - earliest).days + 1)]
        days = [d for d in days if d.weekday() < 5]
        return self.rng.choice(days) if days else None

    def _interactions(self, company: CompanySpec, debt) -> list[InteractionSpec]:
        """Two to four recent contacts per company, told by the data where the data
        has a story (a debt, a withdrawal, a suspension, a fee), everyday ones otherwise."""
        contacts = company.contacts
        primary = contacts[0]
        executive = self.users[company.executive]
        exec_name = f"{executive.first_name} {executive.last_name.split()[0]}"
        products = [p for p in company.products if p.withdrawn_on is None]
        result: list[InteractionSpec] = []

        def add(day, channel, direction, summary, recorded_by=None, contact=None):
            if contact is None:
                contact = 0 if self.rng.random() < 0.6 else self.rng.randrange(len(contacts))
            result.append(
                InteractionSpec(
                    occurred_at=self._business_time(day),
                    channel=channel,
                    direction=direction,
                    summary=summary,
                    recorded_by=recorded_by or company.executive,
                    contact=contact,
                )
            )

        # What the data already tells: a debt, a withdrawal, a suspension.
        if debt:
            product, unpaid = debt
            # The collection call comes after the due date, in the last ten days.
            oldest_due = due_date_for(unpaid[0].period)
            day = self._weekday_in(
                max(oldest_due + timedelta(days=1), self.today - timedelta(days=10)),
                self.today,
            )
            if day:
                months = _join_es([data.MONTHS_ES[i.period.month - 1] for i in unpaid])
                promise = day + timedelta(days=self.rng.randint(3, 8))
                while promise.weekday() >= 5:
                    promise += timedelta(days=1)
                how = (
                    "mediante SIGEP; sellarán el SIGEP en Facturación y recogerán la factura "
                    "en caja"
                    if company.is_public_institution
                    else self.rng.choice(["por la página web de Comteco", "en el banco"])
                )
                add(
                    day,
                    "phone",
                    "outbound",
                    f"Gestión de cobranza: se informó la mora del servicio "
                    f"{product.service_number} (factura(s) de {months}). {primary.name} se "
                    f"compromete a pagar el {promise:%d/%m/%Y} {how}.",
                    contact=0,
                )
        for product in company.products:
            if product.withdrawn_on:
                add(
                    product.withdrawn_on - timedelta(days=self.rng.randint(5, 12)),
                    "letter",
                    "inbound",
                    f"Carta de solicitud de retiro del servicio {product.service_number} por "
                    "cierre de la oficina. Permanencia mínima cumplida; no aceptó la propuesta "
                    "de retención. Se derivó a Gestión Comercial y se pidió devolver el equipo.",
                )
            for suspension in product.suspensions:
                if suspension.starts_on < self.window[0]:
                    continue
                reason = self.rng.choice(
                    ["remodelación de oficinas", "vacaciones colectivas", "cierre temporal"]
                )
                add(
                    suspension.starts_on - timedelta(days=self.rng.randint(3, 10)),
                    self.rng.choice(["letter", "email"]),
                    "inbound",
                    f"Solicita la suspensión temporal del servicio {product.service_number} "
                    f"del {suspension.starts_on:%d/%m/%Y} al {suspension.ends_on:%d/%m/%Y} "
                    f"por {reason}. Cuenta al día; se derivó a Gestión Comercial.",
                )

        # Contacts that go with this year's fees, when they fall in the last months.
        options = []
        for product in products:
            for code, enabled_on in product.services:
                if enabled_on == product.installed_on:
                    continue
                name = SERVICE_NAMES[code]
                day = self._weekday_in(enabled_on, enabled_on + timedelta(days=2))
                if day:
                    options.append(
                        lambda d=day, p=product, n=name: add(
                            d,
                            "email",
                            "outbound",
                            f"Se habilitó «{n}» en la línea {p.service_number}, se cargó el costo "
                            "a la factura recurrente y se imprimió la solicitud de pedido; se "
                            f"devolvió la documentación a {exec_name}.",
                            recorded_by="gestor_comercial",
                        )
                    )
                day = self._weekday_in(enabled_on + timedelta(days=1), enabled_on + timedelta(5))
                if day:
                    options.append(
                        lambda d=day, p=product, n=name: add(
                            d,
                            "phone",
                            "outbound",
                            f"Control de calidad: el cliente confirma que «{n}» de la línea "
                            f"{p.service_number} funciona correctamente.",
                        )
                    )
            for charge in product.charges:
                day = self._weekday_in(charge.bill_period, _last_day_of_month(charge.bill_period))
                if not day:
                    continue
                if charge.tariff == "call_detail_previous_month":
                    options.append(
                        lambda d=day, p=product, c=charge: add(
                            d,
                            self.rng.choice(["email", "letter"]),
                            "inbound",
                            "Carta de solicitud del detalle de llamadas salientes de la línea "
                            f"{p.service_number}, {c.quantity} mes(es) anterior(es): "
                            "Bs 12,00 por mes anterior, cargados a la factura de la línea. "
                            "Se derivó a Gestión Comercial.",
                        )
                    )
                elif charge.tariff == "relocation":
                    options.append(
                        lambda d=day, p=product: add(
                            d,
                            "phone",
                            "outbound",
                            f"Control de calidad del traslado del servicio {p.service_number} a "
                            f"{p.installation_address}: el cliente confirma que funciona.",
                        )
                    )
                elif charge.tariff == "excess_cable_per_metre":
                    options.append(
                        lambda d=day, p=product, c=charge: add(
                            d,
                            "in_person",
                            "outbound",
                            f"El cliente aceptó la migración a fibra óptica del servicio "
                            f"{p.service_number} con el costo de {c.quantity} m de cable excedente "
                            "en la factura del mes. Se derivó a Gestión Comercial.",
                        )
                    )

        # Everyday contacts, on any day of the last months.
        def pick(types=None, technology=None):
            found = [
                p
                for p in products
                if (types is None or p.product_type in types)
                and (technology is None or p.technology == technology)
            ]
            return self.rng.choice(found) if found else None

        line = pick({"fixed_line"})
        internet = pick(INTERNET_TYPES)
        tv = pick(TV_TYPES)
        hspa = pick({"hspa"})
        copper = pick(technology="copper")
        wired = pick(technology="fiber") or copper
        preferred = (
            primary.preferred_channel
            if primary.preferred_channel in {"email", "whatsapp"}
            else "email"
        )

        def proforma(d):
            month = _month_label(add_months(first_of_month(d), -1))
            if company.is_public_institution:
                add(
                    d,
                    "in_person",
                    "outbound",
                    f"Se entregó la factura proforma de {month} en la Unidad Administrativa "
                    "para el trámite de pago por SIGEP.",
                )
            else:
                add(
                    d,
                    preferred,
                    "outbound",
                    f"Envío de la factura proforma de {month}; {primary.name} confirma la "
                    "recepción.",
                    contact=0,
                )

        everyday = [
            proforma,
            lambda d: add(
                d,
                "phone",
                "outbound",
                f"Llamada de fidelización: {primary.name} indica que los servicios "
                "funcionan con normalidad. Se actualizaron el correo y el WhatsApp "
                "del contacto.",
                contact=0,
            ),
        ]
        if line:
            everyday.append(
                lambda d: add(
                    d,
                    self.rng.choice(["email", "whatsapp"]),
                    "inbound",
                    "Solicita el detalle de llamadas salientes del mes en curso de la "
                    f"línea {line.service_number}; sin costo, se envió por correo.",
                )
            )
            everyday.append(
                lambda d: add(
                    d,
                    "letter",
                    "inbound",
                    f"Nota solicitando el traslado de la línea {line.service_number} a "
                    "nuevas oficinas; se derivó a Gestión Comercial para la "
                    "factibilidad técnica.",
                )
            )
        if internet:
            everyday += [
                lambda d: add(
                    d,
                    self.rng.choice(["phone", "whatsapp"]),
                    "inbound",
                    f"Reporta lentitud del internet ({internet.service_number}) en "
                    "horas pico; se registró el daño y se derivó al analista técnico.",
                ),
                lambda d: add(
                    d,
                    "phone",
                    "outbound",
                    f"Diagnóstico remoto en Help Desk del servicio "
                    f"{internet.service_number}: sin cortes en la red; se cambió el "
                    "canal wifi del router y se verificó la velocidad contratada. "
                    "Cliente conforme; orden cerrada como infundada.",
                    recorded_by="analista",
                ),
                lambda d: add(
                    d,
                    self.rng.choice(["email", "whatsapp"]),
                    "inbound",
                    f"Consulta por el cambio del plan {PLAN_NAMES[internet.plan]} a uno "
                    "de mayor velocidad; se enviaron los planes vigentes y los "
                    "requisitos.",
                ),
            ]
        if copper:
            everyday.append(
                lambda d: add(
                    d,
                    "in_person",
                    "outbound",
                    "Visita comercial: se ofreció la migración a fibra óptica del "
                    f"servicio {copper.service_number}; el cliente evaluará la "
                    "propuesta con gerencia.",
                )
            )
        if wired:
            everyday.append(
                lambda d: add(
                    d,
                    "phone",
                    "outbound",
                    "Coordinación con el Centro de Operaciones para la visita técnica "
                    f"al servicio {wired.service_number}; se informó al cliente que el "
                    "técnico llegará por la tarde.",
                    recorded_by="gestor_tecnico",
                )
            )
        if tv:
            everyday.append(
                lambda d: add(
                    d,
                    "phone",
                    "inbound",
                    f"Reporta falla de señal en dos televisores ({tv.service_number}); "
                    "se derivó al Gestor Técnico para la atención el mismo día.",
                )
            )
        if hspa:
            everyday.append(
                lambda d: add(
                    d,
                    "whatsapp",
                    "inbound",
                    f"Consulta por el consumo de datos del HSPA {hspa.service_number}; "
                    "se explicó el volumen del plan y la velocidad reducida al "
                    "superarlo.",
                )
            )

        recent = self.today - timedelta(days=INTERACTION_DAYS)
        wanted = self.rng.randint(2, 4) - sum(1 for i in result if i.occurred_at.date() >= recent)
        for option in self.rng.sample(options, min(len(options), max(wanted, 0))):
            option()
            wanted -= 1
        for option in self.rng.sample(everyday, min(len(everyday), max(wanted, 0))):
            option(self._recent_day())
        result.sort(key=lambda i: i.occurred_at)
        return result
