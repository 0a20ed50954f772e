"""The enterprise team at work, over real HTTP: locust's scenario of `make load`.

Fifty simulated people, each one of the roster's users (bench/load/roster.py
writes it; env LOAD_ROSTER names it, var/load/roster.json by default), each
role with its real mix:

    32 executives          inbox, search → customer page, case pages, open a
                           request (B plan change, with a document attached now
                           and then; E damage report), complete their steps
                           (B verify requirements — every requirement's PDF
                           uploaded —; E receive the report, register the
                           damage; the quality calls)
     5 commercial managers inbox, claim and complete "enter plan change" (B)
     3 technical managers  inbox, their E steps (coordinate the visit,
                           prioritise), the work orders to close: assign if
                           needed, close with the visit's result; the list
     5 technical analysts  inbox, their E steps (remote diagnosis, tests with
                           the customer — which closes the order as unfounded),
                           the work-order list and pages
     2 team leads          dashboard, the 24-hour watch, where time goes, the
                           team's tasks, the case list, the inbox
     1 division head       dashboard, the 24-hour watch, where time goes
     2 API clients         /api/v1/ with a Bearer token: list tasks, read one,
                           claim, complete (one commercial, one analyst)

The split is the classes' `weight`s (32:5:3:5:2:1:2): with `-u 50` locust
starts exactly those numbers (env LOAD_MIX="Executive=3,TeamLead=1,..." sets
exact numbers instead, for short runs). Roster users are shared round-robin when the
database has fewer users of a role than simulated people (the demo has one
per role but four executives): each simulated person logs in once, through
the login page (CSRF token from the form, the session cookie), and keeps her
session. Think time between(2, 8) s.

Requests are named by the page kind ("inbox", "case page", "task page:
<step>", "complete: <step>", "open request: B plan change", ...), not by URL.

What counts as what in the report:
- A step completion is recorded only on its success answer: on the web the
  redirect after POST to the inbox whose page then says "Paso completado"; on
  the API a 2xx. Each success appends one JSON line to the file named by env
  LOAD_RECORD ({"kind": "complete", "task_id", "user", "case", "step", "at",
  "via"}), flushed at once; an "attempt" line is written before each POST,
  so bench/load/check.py can tell a completion whose answer was lost
  ("unacknowledged") from one nobody asked for. Cases opened are recorded too
  ({"kind": "open"}), and the run's start/stop with the roster's usernames.
  Run locust as one process (the default), or give each process its own file.
- Conflicts are expected under concurrency — someone else took or completed
  the step first (web: 403 "another person's", the redirect saying it is no
  longer pending; API: 404/409), a product already with an open request, a
  work order closed meanwhile. They are NOT failures: the request itself is
  marked success, and one more row "CONFLICT <what>" counts them (0 ms).
- Failures: any 5xx, any unexpected status, a form sent back with errors
  (our data refused — a bug of the scenario or of the product), a login that
  does not log in (that simulated person then stops), a page that lands on
  the login page (the session was lost).

Only the standard library and locust (with requests and gevent) are imported:
never Django.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.exception import StopUser

ROSTER_PATH = os.environ.get("LOAD_ROSTER", "var/load/roster.json")
RECORD_PATH = os.environ.get("LOAD_RECORD", "")
LA_PAZ = timezone(timedelta(hours=-4))  # Bolivia: no daylight saving

# A minimal valid PDF (one empty page): judged by its content on upload.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


def _load_roster() -> dict:
    path = Path(ROSTER_PATH)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


ROSTER = _load_roster()
BASE = ROSTER.get("base_path", "").rstrip("/")


def url(path: str) -> str:
    return BASE + path


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


# --- the record of what the load did --------------------------------------------------

_record_lock = threading.Lock()
_record_file = None


def record(line: dict) -> None:
    """One JSON line, flushed at once (gevent: one writer at a time)."""
    global _record_file
    if not RECORD_PATH:
        return
    with _record_lock:
        if _record_file is None:
            Path(RECORD_PATH).parent.mkdir(parents=True, exist_ok=True)
            _record_file = open(RECORD_PATH, "a", encoding="utf-8")  # noqa: SIM115
        _record_file.write(json.dumps(line, ensure_ascii=False) + "\n")
        _record_file.flush()
        os.fsync(_record_file.fileno())


def _roster_usernames() -> list[str]:
    names = [e["username"] for e in ROSTER.get("executives", [])]
    for key in (
        "commercial_managers",
        "technical_managers",
        "technical_analysts",
        "team_leads",
        "division_heads",
    ):
        names += ROSTER.get(key, [])
    names += [c["username"] for c in ROSTER.get("api_clients", [])]
    return sorted(set(names))


@events.test_start.add_listener
def _on_start(environment, **kwargs):
    if not ROSTER:
        raise RuntimeError(f"No roster at {ROSTER_PATH} (bench/load/roster.py writes it)")
    record({"kind": "start", "at": now_iso(), "users": _roster_usernames()})


@events.test_stop.add_listener
def _on_stop(environment, **kwargs):
    record({"kind": "stop", "at": now_iso()})


def conflict(user: HttpUser, what: str) -> None:
    """An expected conflict under concurrency: its own row, not a failure."""
    user.environment.events.request.fire(
        request_type="CONFLICT",
        name=what,
        response_time=0,
        response_length=0,
        exception=None,
        context={},
    )


# --- reading pages -----------------------------------------------------------------------


class Form:
    """A form of a page: where it posts and what a browser would send by default."""

    def __init__(self, attrs: dict):
        self.attrs = attrs
        self.action = attrs.get("action") or ""
        self.values: dict[str, str] = {}
        self.checkboxes: dict[str, str] = {}  # name → value, every checkbox
        self.radios: dict[str, list[str]] = {}
        self.selects: dict[str, list[str]] = {}
        self.files: list[str] = []

    def has(self, name: str) -> bool:
        return (
            name in self.values
            or name in self.checkboxes
            or name in self.radios
            or name in self.selects
            or name in self.files
        )

    def options(self, name: str) -> list[str]:
        """The non-empty choices of a select or a radio group."""
        return [v for v in self.selects.get(name) or self.radios.get(name) or [] if v]


class FormParser(HTMLParser):
    """Every <form> with its fields' defaults, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.option_value: str | None = None
        self.option_text = ""
        self.textarea: str | None = None
        self.text = ""
        self._selected_pending = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a)
            self.forms.append(self.form)
            return
        form = self.form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            if kind == "file":
                form.files.append(name)
            elif kind == "checkbox":
                form.checkboxes[name] = a.get("value") or "on"
                if "checked" in a:
                    form.values[name] = a.get("value") or "on"
            elif kind == "radio":
                form.radios.setdefault(name, []).append(a.get("value", ""))
                if "checked" in a:
                    form.values[name] = a.get("value", "")
            else:
                form.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self.select, self.select_first, self.select_chosen = name, None, False
            form.selects[name] = []
        elif tag == "option" and self.select:
            self.option_value = a.get("value")
            self.option_text = ""
            if self.option_value is not None:
                self._option(self.option_value, "selected" in a)
                self.option_value = None
            else:
                self.option_value = ""
                self._selected_pending = "selected" in a
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def _option(self, value: str, selected: bool) -> None:
        form = self.form
        form.selects[self.select].append(value)
        if self.select_first is None:
            self.select_first = value
        if selected and not self.select_chosen:
            form.values[self.select] = value
            self.select_chosen = True

    def handle_data(self, data):
        if self.textarea:
            self.text += data
        elif self.option_value is not None:
            self.option_text += data

    def handle_endtag(self, tag):
        if tag == "option" and self.option_value is not None and self.select:
            self._option(self.option_text.strip(), self._selected_pending)
            self.option_value = None
        elif tag == "select" and self.select:
            if not self.select_chosen and self.select_first is not None:
                self.form.values[self.select] = self.select_first
            self.select = None
        elif tag == "textarea" and self.textarea:
            value = self.text[1:] if self.text.startswith("\n") else self.text
            self.form.values[self.textarea] = value
            self.textarea = None
        elif tag == "form":
            self.form = None


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def the_form(html: str, predicate) -> Form | None:
    return next((f for f in forms_of(html) if predicate(f)), None)


INBOX_ROW = re.compile(
    r'data-task="(?P<step>[\w-]+)">.*?href="(?P<task>[^"]*/tareas/(?P<id>[0-9a-f-]{36})/)"'
    r'.*?href="[^"]*/casos/(?P<case>[^"/]+)/">[^<]*</a>(?P<rest>.*?)</div>',
    re.S,
)
PROCEDURE = re.compile(r"·\s*([A-L]) · ")
WORK_ORDER_ROW = re.compile(r'data-work-order="(?P<number>[^"]+)".*?href="(?P<url>[^"]+)"', re.S)
CASE_LINK = re.compile(r'href="[^"]*/casos/(PV-[^"/]+)/"')


def inbox_rows(html: str) -> list[dict]:
    """The inbox's pending steps: step id, task id and link, case, procedure, taken by."""
    rows = []
    for m in INBOX_ROW.finditer(html):
        procedure = PROCEDURE.search(m.group("rest"))
        rows.append(
            {
                "step": m.group("step"),
                "task_id": m.group("id"),
                "path": m.group("task"),
                "case": m.group("case"),
                "procedure": procedure.group(1) if procedure else "",
                "taken": "tomada por" in m.group("rest") or "taken by" in m.group("rest"),
            }
        )
    return rows


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return m.group(1) if m else ""


def form_errors(html: str) -> str:
    """The first error messages a page shows, for a failure's text."""
    found = re.findall(
        r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>(.*?)</', html, re.S
    )
    text = " | ".join(re.sub(r"<[^>]+>|\s+", " ", f).strip() for f in found[:4])
    return text[:300] or "form sent back"


def la_paz_now() -> datetime:
    return datetime.now(LA_PAZ).replace(tzinfo=None)


# --- the steps a person fills in (field names as the forms name them) ---------------------


def talk(summary: str) -> dict:
    return {"interaction_channel": "phone", "interaction_summary": summary}


def fill_check_requirements(form: Form) -> tuple[dict, dict] | None:
    """The plan asked for, and every requirement's document scanned as a PDF
    (the legal representative signs: no power of attorney)."""
    if not form.options("new_plan"):
        return None  # no other plan of its type: not a request she can register
    data = {"new_plan": random.choice(form.options("new_plan"))}
    files = {
        name: (f"{name.removeprefix('file_')}.pdf", PDF, "application/pdf")
        for name in form.files
        if name != "file_power_of_attorney"
    }
    return data, files


def fill_quality_call(form: Form) -> tuple[dict, dict]:
    return {"conform": "yes", **talk("El cliente confirma que el servicio funciona bien.")}, {}


def fill_receive_report(form: Form) -> tuple[dict, dict]:
    services = form.options("damaged_service")
    service = "internet" if "internet" in services else (services[0] if services else "")
    causes = form.options("cause")
    return {
        "damaged_service": service,
        "cause": causes[0] if causes else "",
        "problem": "El cliente reporta cortes desde la mañana.",
    }, {}


def fill_register_damage(form: Form) -> tuple[dict, dict]:
    data = {"address_checked": "on", "interaction_channel": "phone"}
    if not form.values.get("reference_phone"):
        data["reference_phone"] = "70712345"
    if not form.values.get("address"):
        data["address"] = "Av. Ballivián N° 520"
    if not form.values.get("interaction_summary"):
        data["interaction_summary"] = "Se registró el daño; se solucionará a la brevedad."
    return data, {}


def fill_contact_customer(form: Form) -> tuple[dict, dict]:
    return {"customer_reached": "yes", **talk("El cliente está listo para las pruebas.")}, {}


def fill_enter_plan_change(form: Form) -> tuple[dict, dict]:
    if form.values.get("new_plan"):
        return {}, {}
    options = form.options("new_plan")
    return ({"new_plan": options[0]} if options else {}), {}


DIAGNOSIS = {
    "wifi_coverage": "weak",
    "devices": "14",
    "contracted_mbps": "30",
    "measured_mbps": "28.456",
    "router": "misconfigured",
    "findings": "Canal wifi saturado; se cambió el canal y se reinició el router.",
}


def fill_remote_diagnosis(form: Form) -> tuple[dict, dict]:
    data = dict(DIAGNOSIS)
    for name in ("wifi_coverage", "router"):
        options = form.options(name)
        if options and data[name] not in options:
            data[name] = options[0]
    data["solved_remotely"] = random.choice(["yes", "no"])
    return data, {}


def fill_test_with_customer(form: Form) -> tuple[dict, dict]:
    data = {"customer_conform": "yes", "interaction_channel": "phone"}
    if not form.values.get("interaction_summary"):
        data["interaction_summary"] = "Pruebas de velocidad con el cliente: 29 Mbps por wifi."
    return data, {}


def fill_coordinate_visit(form: Form) -> tuple[dict, dict]:
    now = la_paz_now()
    when = now + timedelta(minutes=30)
    data = {"visit_at": when.strftime("%Y-%m-%dT%H:%M")}
    if not form.values.get("unit"):
        data["unit"] = (form.options("unit") or [""])[0]
    if not form.values.get("technician"):
        data["technician"] = random.choice(form.options("technician") or [""])
    if when.date() != now.date():
        data["not_today_reason"] = "Fuera de horario: la cuadrilla va mañana temprano."
    return data, {}


def fill_prioritise(form: Form) -> tuple[dict, dict]:
    called = la_paz_now() - timedelta(minutes=1)
    return {
        "operations_contact": "Ing. Rosa Vargas (Centro de Operaciones)",
        "called_at": called.strftime("%Y-%m-%dT%H:%M"),
        "priority": "urgent",
        "agreement": "Cuadrilla prioritaria esta tarde.",
    }, {}


# (procedure, step) → (the name the report shows, how the person fills it).
EXECUTIVE_STEPS = {
    ("B", "check_requirements"): ("verify requirements", fill_check_requirements),
    ("B", "quality_call"): ("quality call", fill_quality_call),
    ("E", "receive_report"): ("receive damage report", fill_receive_report),
    ("E", "register_damage"): ("register damage", fill_register_damage),
    ("E", "register_reiteration"): ("register reiteration", fill_register_damage),
    ("E", "contact_customer"): ("contact customer for tests", fill_contact_customer),
    ("E", "quality_call"): ("quality call", fill_quality_call),
    ("E", "quality_call_remote"): ("quality call", fill_quality_call),
}
COMMERCIAL_STEPS = {("B", "enter_plan_change"): ("enter plan change", fill_enter_plan_change)}
TECHNICAL_MANAGER_STEPS = {
    ("E", "coordinate_visit"): ("coordinate visit", fill_coordinate_visit),
    ("E", "prioritise"): ("prioritise", fill_prioritise),
}
ANALYST_STEPS = {
    ("E", "remote_diagnosis"): ("remote diagnosis", fill_remote_diagnosis),
    ("E", "test_with_customer"): ("tests with the customer", fill_test_with_customer),
}


# --- the people ----------------------------------------------------------------------------


class Person(HttpUser):
    """Someone of the team in a browser: logs in once, keeps her session."""

    abstract = True
    wait_time = between(2, 8)
    roster_key = ""
    steps: dict = {}
    _counters: dict = {}

    def on_start(self):
        self.username = self.pick()
        if not self.login():
            raise StopUser()  # counted as a failed login; she does nothing logged out

    def pick(self) -> str:
        people = ROSTER.get(self.roster_key) or []
        counter = Person._counters.setdefault(self.roster_key, itertools.count())
        person = people[next(counter) % len(people)]
        return person["username"] if isinstance(person, dict) else person

    def login(self) -> bool:
        page = self.client.get(url("/entrar/"), name="login page")
        token = csrf_of(page.text)
        with self.client.post(
            url("/entrar/"),
            data={
                "csrfmiddlewaretoken": token,
                "username": self.username,
                "password": ROSTER["password"],
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as resp:
            if resp.status_code == 302:
                resp.success()
                return True
            resp.failure(f"login of {self.username} refused ({resp.status_code})")
            return False

    def get(self, path: str, name: str, **kwargs):
        """A page; landing on the login page means the session was lost: a failure."""
        with self.client.get(path, name=name, catch_response=True, **kwargs) as resp:
            if resp.ok and "/entrar/" in resp.url and "/entrar/" not in path:
                resp.failure("sent to the login page: session lost")
            return resp

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    # -- pages

    def inbox(self) -> str:
        resp = self.get(url("/bandeja/"), name="inbox")
        return resp.text if resp.ok else ""

    def case_page(self, number: str) -> None:
        self.get(url(f"/casos/{number}/"), name="case page")

    # -- working a step of the inbox

    def work_a_step(self, html: str | None = None) -> bool:
        """Take one of my known steps from the inbox, claim it, fill it, send it."""
        html = html if html is not None else self.inbox()
        rows = [r for r in inbox_rows(html) if (r["procedure"], r["step"]) in self.steps]
        if not rows:
            return False
        # Mine first (taken before), else any nobody holds.
        mine = [r for r in rows if r["taken"]]
        row = random.choice(mine or rows)
        label, fill = self.steps[(row["procedure"], row["step"])]
        task_path = row["path"]
        if not row["taken"]:
            with self.client.post(
                url(f"/tareas/{row['task_id']}/tomar/"),
                data={"csrfmiddlewaretoken": self.csrf(), "next": task_path},
                name="claim",
                allow_redirects=False,
                catch_response=True,
            ) as resp:
                if resp.status_code == 302:
                    resp.success()
                elif resp.status_code == 404:  # taken by someone else meanwhile
                    resp.success()
                    conflict(self, f"claim: {label} (taken meanwhile)")
                    return False
        with self.client.get(
            task_path, name=f"task page: {label}", allow_redirects=False, catch_response=True
        ) as resp:
            if resp.status_code in (302, 403):
                resp.success()
                conflict(self, f"task page: {label} (taken or done meanwhile)")
                return False
            if resp.status_code != 200:
                resp.failure(f"task page {resp.status_code}")
                return False
            page = resp.text
        form = the_form(
            page, lambda f: f.attrs.get("enctype") == "multipart/form-data" and not f.action
        )
        if form is None:
            return False
        filled = fill(form)
        if filled is None:  # she cannot do it: back to the common inbox
            self.client.post(
                url(f"/tareas/{row['task_id']}/liberar/"),
                data={"csrfmiddlewaretoken": self.csrf()},
                name="release",
            )
            return False
        data = dict(form.values)
        extra, files = filled
        data.update(extra)
        data["csrfmiddlewaretoken"] = form.values.get("csrfmiddlewaretoken") or self.csrf()
        self.complete(row, label, task_path, data, files)
        return True

    def complete(self, row: dict, label: str, task_path: str, data: dict, files: dict) -> None:
        record(
            {"kind": "attempt", "task_id": row["task_id"], "user": self.username, "at": now_iso()}
        )
        with self.client.post(
            task_path,
            data=data,
            files=files or None,
            name=f"complete: {label}",
            allow_redirects=False,
            catch_response=True,
        ) as resp:
            status, location = resp.status_code, resp.headers.get("Location", "")
            if status == 302:
                resp.success()
            elif status == 403:
                resp.success()
                conflict(self, f"complete: {label} (another person's)")
                return
            elif status == 200:
                resp.failure(f"form refused: {form_errors(resp.text)}")
                return
            else:
                resp.failure(f"unexpected {status}")
                return
        if "/casos/" in location:  # completed by someone else first
            conflict(self, f"complete: {label} (already completed)")
            return
        page = self.get(location, name="inbox")
        if "Paso completado" in page.text or "Step completed" in page.text:
            record(
                {
                    "kind": "complete",
                    "task_id": row["task_id"],
                    "user": self.username,
                    "case": row["case"],
                    "step": row["step"],
                    "at": now_iso(),
                    "via": "web",
                }
            )
        else:
            conflict(self, f"complete: {label} (no longer pending)")


class Executive(Person):
    weight = 32
    roster_key = "executives"
    steps = EXECUTIVE_STEPS

    def on_start(self):
        super().on_start()
        people = ROSTER["executives"]
        me = next(p for p in people if p["username"] == self.username)
        self.companies = me["companies"]
        self.recent_cases: list[str] = []

    @task(3)
    def look_at_inbox(self):
        html = self.inbox()
        self.recent_cases = CASE_LINK.findall(html)[:20] or self.recent_cases

    @task(2)
    def customer(self):
        company = random.choice(self.companies)
        self.get(url("/buscar/"), params={"q": company["nit"]}, name="search")
        self.get(url(f"/clientes/{company['id']}/"), name="customer page")

    @task(2)
    def case(self):
        if not self.recent_cases:
            self.look_at_inbox()
        if self.recent_cases:
            self.case_page(random.choice(self.recent_cases))

    @task(5)
    def work(self):
        self.work_a_step()

    @task(2)
    def open_request(self):
        procedure = random.choice("BE")
        company = random.choice(self.companies)
        if procedure == "B":
            products = [p for p in company["products"] if p["other_plan_ids"]]
        else:
            # Mostly internet (remote diagnosis by the analysts), else a line or
            # TV (straight to the technical manager's visit).
            internet = random.random() < 0.7
            products = [
                p for p in company["products"] if (p["type"] == "internet") == internet
            ] or company["products"]
        if not products:
            return
        product = random.choice(products)
        label = "B plan change" if procedure == "B" else "E damage"
        path = url(f"/clientes/{company['id']}/casos/nuevo/")
        page = self.get(path, params={"procedure": procedure}, name="new request form")
        data = {
            "csrfmiddlewaretoken": csrf_of(page.text) or self.csrf(),
            "procedure": procedure,
            "channel": random.choice(["phone", "email", "in_person"]),
            "product": str(product["id"]),
            "subject": "Cambio a un plan de más velocidad"
            if procedure == "B"
            else "El servicio no funciona",
            "description": "Pedido registrado durante la prueba de carga.",
        }
        files = None
        if procedure == "B" and random.random() < 0.5:
            files = [("documents", ("carta.pdf", PDF, "application/pdf"))]
        for attempt in range(2):
            with self.client.post(
                path,
                data=data,
                files=files,
                name=f"open request: {label}",
                allow_redirects=False,
                catch_response=True,
            ) as resp:
                if resp.status_code == 302:
                    resp.success()
                    location = resp.headers.get("Location", "")
                    break
                if resp.status_code == 200 and 'name="acknowledge_open_cases"' in resp.text:
                    # The product has an open request the form warns about: she reads
                    # it and registers the request all the same.
                    resp.success()
                    if attempt == 0:
                        data["acknowledge_open_cases"] = "on"
                        continue
                    conflict(self, f"open request: {label} (open request warned)")
                    return
                if resp.status_code == 200:
                    resp.failure(f"form refused: {form_errors(resp.text)}")
                else:
                    resp.failure(f"unexpected {resp.status_code}")
                return
        else:
            return
        number = location.rstrip("/").rsplit("/", 1)[-1]
        page = self.get(location, name="case page")
        if f"{number} abierto" in page.text or f"{number} opened" in page.text:
            record(
                {
                    "kind": "open",
                    "case": number,
                    "procedure": procedure,
                    "user": self.username,
                    "at": now_iso(),
                }
            )
            self.recent_cases = [number, *self.recent_cases][:20]
        else:  # refused at the door: she lands on the case already open
            conflict(self, f"open request: {label} (product busy)")


class CommercialManager(Person):
    weight = 5
    roster_key = "commercial_managers"
    steps = COMMERCIAL_STEPS

    @task(2)
    def look_at_inbox(self):
        self.inbox()

    @task(5)
    def work(self):
        self.work_a_step()


class TechnicalManager(Person):
    weight = 3
    roster_key = "technical_managers"
    steps = TECHNICAL_MANAGER_STEPS

    @task(4)
    def work(self):
        html = self.inbox()
        if not self.work_a_step(html):
            self.close_a_work_order(html)

    @task(3)
    def close_work_orders(self):
        self.close_a_work_order(self.inbox())

    @task(1)
    def work_order_list(self):
        self.get(url("/ordenes-de-trabajo/"), name="work order list")

    def close_a_work_order(self, html: str) -> None:
        """One of the work orders cases wait on (the inbox lists them): assign
        it to a technician if nobody has it, then close it with the result."""
        rows = [
            m for m in WORK_ORDER_ROW.finditer(html) if "/ordenes-de-trabajo/" in m.group("url")
        ]
        if not rows:
            return
        m = random.choice(rows)
        number, path = m.group("number"), m.group("url")
        page = self.get(path, name="work order page")
        if page.status_code != 200:
            return
        assign = the_form(page.text, lambda f: f.attrs.get("data-form") == "assign")
        close = the_form(page.text, lambda f: f.attrs.get("data-form") == "close")
        if (assign is not None and close is None) or (
            assign is not None and not assign.values.get("technician")
        ):
            data = dict(assign.values)
            if not data.get("unit"):
                data["unit"] = (assign.options("unit") or [""])[0]
            if not data.get("technician"):
                data["technician"] = random.choice(assign.options("technician") or [""])
            if not data.get("scheduled_at"):
                data["scheduled_at"] = (la_paz_now() + timedelta(minutes=30)).strftime(
                    "%Y-%m-%dT%H:%M"
                )
            if not self.post_work_order(assign.action, data, "assign work order"):
                return
            page = self.get(path, name="work order page")
            close = the_form(page.text, lambda f: f.attrs.get("data-form") == "close")
        if close is None:
            return
        data = dict(close.values)
        states = close.options("state")
        resolved = [s for s in states if "resolved" in s] or states
        data["state"] = resolved[0] if resolved else ""
        data["result"] = f"Visita realizada: se reemplazó el equipo ({number})."
        self.post_work_order(close.action, data, "close work order")

    def post_work_order(self, action: str, data: dict, label: str) -> bool:
        with self.client.post(
            action, data=data, name=label, allow_redirects=False, catch_response=True
        ) as resp:
            if resp.status_code == 302:
                resp.success()
                return True
            closed_meanwhile = resp.status_code == 422 and (
                "ya está cerrada" in resp.text
                or "is already closed" in resp.text
                or (label == "close work order" and 'data-form="close"' not in resp.text)
            )
            if closed_meanwhile or resp.status_code == 404:
                # Closed or moved on meanwhile by another manager.
                resp.success()
                conflict(self, f"{label} (changed meanwhile)")
                return False
            resp.failure(
                f"{resp.status_code}: {form_errors(resp.text) if resp.status_code == 422 else ''}"
            )
            return False


class TechnicalAnalyst(Person):
    weight = 5
    roster_key = "technical_analysts"
    steps = ANALYST_STEPS

    @task(2)
    def look_at_inbox(self):
        self.inbox()

    @task(5)
    def work(self):
        self.work_a_step()

    @task(2)
    def work_orders(self):
        page = self.get(url("/ordenes-de-trabajo/"), name="work order list")
        numbers = re.findall(r'data-work-order="([^"]+)"', page.text)
        if numbers:
            self.get(url(f"/ordenes-de-trabajo/{random.choice(numbers)}/"), name="work order page")


class Overseer(Person):
    """Watches the team: the month's dashboard, the 24-hour watch, where time goes."""

    abstract = True

    @task(3)
    def dashboard(self):
        self.get(url("/indicadores/"), name="dashboard")

    @task(3)
    def watch(self):
        self.get(url("/indicadores/vigilancia/"), name="24-hour watch")

    @task(2)
    def time_spent(self):
        self.get(url("/indicadores/tiempos/"), name="where time goes")


class TeamLead(Overseer):
    weight = 2
    roster_key = "team_leads"

    @task(1)
    def team(self):
        self.get(url("/equipo/"), name="team tasks")

    @task(1)
    def cases(self):
        page = self.get(url("/casos/"), name="case list")
        numbers = CASE_LINK.findall(page.text)
        if numbers:
            self.case_page(random.choice(numbers[:20]))

    @task(1)
    def look_at_inbox(self):
        self.inbox()


class DivisionHead(Overseer):
    weight = 1
    roster_key = "division_heads"


# --- the API clients ---------------------------------------------------------------------------

API_STEPS = {
    "b/enter_plan_change": "enter plan change",
    "e/remote_diagnosis": "remote diagnosis",
    "e/test_with_customer": "tests with the customer",
}


def api_data(form_key: str, schema: dict) -> dict:
    """The data a script sends for a step: the form's defaults, then its answers."""
    properties = schema.get("properties", {})
    data = {k: p["default"] for k, p in properties.items() if "default" in p}
    if form_key == "b/enter_plan_change" and "new_plan" not in data:
        choices = properties.get("new_plan", {}).get("enum") or [
            o.get("const") for o in properties.get("new_plan", {}).get("oneOf", [])
        ]
        choices = [c for c in choices if c not in (None, "")]
        if choices:
            data["new_plan"] = choices[0]
    elif form_key == "e/remote_diagnosis":
        data.update(DIAGNOSIS, solved_remotely=random.choice(["yes", "no"]))
    elif form_key == "e/test_with_customer":
        data.update(
            customer_conform="yes",
            interaction_channel="phone",
            interaction_summary="Pruebas remotas con el cliente: navega a 29 Mbps.",
        )
    return data


class ApiClient(HttpUser):
    """A script of the team's own on /api/v1/ with a Bearer token."""

    weight = 2
    wait_time = between(2, 8)
    _counter = itertools.count()

    def on_start(self):
        clients = ROSTER["api_clients"]
        me = clients[next(ApiClient._counter) % len(clients)]
        self.username = me["username"]
        self.client.headers["Authorization"] = f"Bearer {me['token']}"

    @task
    def work(self):
        resp = self.client.get(url("/api/v1/tasks"), name="api: list tasks")
        if not resp.ok:
            return
        tasks = [t for t in resp.json() if t["form_key"] in API_STEPS]
        mine = [t for t in tasks if t["assignee"] == self.username]
        free = [t for t in tasks if t["assignee"] is None]
        if not (mine or free):
            return
        item = random.choice(mine or free)
        label = API_STEPS[item["form_key"]]
        task_url = url(f"/api/v1/tasks/{item['id']}")
        with self.client.get(task_url, name="api: task", catch_response=True) as resp:
            if resp.status_code == 404:
                resp.success()
                conflict(self, f"api: task {label} (gone meanwhile)")
                return
            if not resp.ok:
                resp.failure(f"unexpected {resp.status_code}")
                return
            detail = resp.json()
        if item["assignee"] is None:
            with self.client.post(task_url + "/claim", name="api: claim", catch_response=True) as r:
                if r.status_code in (404, 409):
                    r.success()
                    conflict(self, f"api: claim {label} (taken meanwhile)")
                    return
                if not r.ok:
                    r.failure(f"unexpected {r.status_code}")
                    return
        record({"kind": "attempt", "task_id": item["id"], "user": self.username, "at": now_iso()})
        with self.client.post(
            task_url + "/complete",
            json={"data": api_data(item["form_key"], detail["form"])},
            headers={"Idempotency-Key": str(uuid.uuid4())},
            name=f"api: complete: {label}",
            catch_response=True,
        ) as r:
            if r.ok:
                r.success()
                record(
                    {
                        "kind": "complete",
                        "task_id": item["id"],
                        "user": self.username,
                        "case": item["case"],
                        "step": item["form_key"].rsplit("/", 1)[-1],
                        "at": now_iso(),
                        "via": "api",
                    }
                )
            elif r.status_code in (404, 409):
                r.success()
                conflict(self, f"api: complete {label} (moved on meanwhile)")
            else:
                r.failure(f"{r.status_code}: {r.text[:300]}")


def _mix_from_env() -> None:
    """LOAD_MIX="Executive=4,CommercialManager=1,…": exact numbers per class
    (locust's fixed_count), for short runs with fewer than 50 people."""
    classes = {
        c.__name__: c
        for c in (
            Executive,
            CommercialManager,
            TechnicalManager,
            TechnicalAnalyst,
            TeamLead,
            DivisionHead,
            ApiClient,
        )
    }
    for part in filter(None, os.environ.get("LOAD_MIX", "").split(",")):
        name, _, count = part.partition("=")
        classes[name.strip()].fixed_count = int(count)


_mix_from_env()
