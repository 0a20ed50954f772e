"""The hot path (issue 17): procedure B, plan change, case after case through
the services, on SQLite and PostgreSQL, with DEBUG off.

Each case: open it (the executive), then three steps, each claimed and
completed by its role — verify requirements (executive), enter the plan
change (commercial manager; the product's plan changes and the order request
is printed), the quality call (executive). `BENCH_CASES` cases (300) after
`BENCH_WARMUP` (20) of warm-up.

Printed per operation: p50 / p95 in ms, SQL statements (every statement the
connection ran, savepoints included; not the transaction's BEGIN and COMMIT,
which SQLite shows and PostgreSQL's driver sends unseen), the p50 as a multiple of
the bare SpiffWorkflow step measured in the same run, one after each case
(`bench/engine.py`'s bare step: load, run a user task, run the engine,
dump), so that runs on different days and machines compare. A "plain step"
is claim + complete of a step with no service task.

Then the whole case against django-viewflow 2.4 on the same model, from the
side-by-side run of issue 17 (p50 in ms, with its bare step of that window):
ours and viewflow's, each in bare steps, and their ratio.

And Python's garbage collector as the processes run it
(`posventa.common.gc_tuning`, applied after the warm-up as gunicorn and the
worker do): collections per 1 000 steps by generation, and the pauses that
landed inside a measured operation.

`make bench` runs it; `BENCH_GC=off` runs without the tuning, to compare.
Asserts nothing.
"""

import cProfile
import gc
import os
import pstats
import sys
import time
from collections import defaultdict

from _harness import percentiles, run, setup_django

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_b")
CASES = int(os.environ.get("BENCH_CASES", "300"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "20"))
GC_TUNING = os.environ.get("BENCH_GC", "on") != "off"
# Thresholds to try after the freeze, e.g. "50000,20,20" (default: Python's).
GC_THRESHOLD = os.environ.get("BENCH_GC_THRESHOLD", "")
# An operation to profile (e.g. "open"): its cProfile, cumulative, to stderr.
PROFILE = os.environ.get("BENCH_PROFILE", "")

# django-viewflow 2.4 on the same model, same machine and window (issue 17),
# p50 ms: start, the plain step (claim + complete) and the plan-change step
# (its two steps), with SpiffWorkflow's bare step of that window.
VIEWFLOW = {
    "sqlite": {"open": 5.0, "plain": 10.0, "change": 16.7, "bare": 1.23},
    "postgresql": {"open": 10.4, "plain": 20.3, "change": 34.3, "bare": 1.32},
}
# Posventa in that same window, before issue 17 (p50 ms).
BEFORE = {
    "sqlite": {"open": 13.9, "claim": 1.3, "plain": 13.4, "change": 79.4},
    "postgresql": {"open": 28.9, "claim": 3.7, "plain": 26.3, "change": 104.9},
}

OPERATIONS = [
    ("open", "open the case"),
    ("claim", "claim (any step)"),
    ("complete_check", "complete: verify requirements"),
    ("complete_change", "complete: enter the plan change"),
    ("complete_quality", "complete: quality call"),
    ("plain", "plain step (claim + complete)"),
    ("change", "plan-change step (claim + complete)"),
    ("case", "whole case (open + 3 steps)"),
]


class Probe:
    """Counts the statements of an operation and the garbage collections
    that land inside it."""

    def __init__(self):
        self.statements = 0
        self.inside = False
        self.gc_started = 0.0
        self.collections = defaultdict(int)  # generation → count (all, in measured cases)
        self.pauses_inside = []  # (generation, ms) of those inside an operation
        self.counting = False

    def execute(self, execute, sql, params, many, context):
        # Not the transaction's BEGIN and COMMIT: SQLite's show as statements,
        # the PostgreSQL driver sends its own unseen.
        if not sql.startswith(("BEGIN", "COMMIT")):
            self.statements += 1
        return execute(sql, params, many, context)

    def gc_callback(self, phase, info):
        if phase == "start":
            self.gc_started = time.perf_counter()
            return
        if not self.counting:
            return
        self.collections[info["generation"]] += 1
        if self.inside:
            self.pauses_inside.append(
                (info["generation"], (time.perf_counter() - self.gc_started) * 1000)
            )


def _timed_full_collection() -> float:
    started = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - started) * 1000


def child(backend: str) -> dict:
    setup_django(backend, pg_url=PG_URL, debug=False)
    from django.db import connection

    from posventa.accounts.roles import Role
    from posventa.cases.services import case_open
    from posventa.catalog.models import Plan, ProductType
    from posventa.common import gc_tuning
    from posventa.engine import runtime
    from posventa.engine import services as engine
    from posventa.engine.deployment import deploy_files, read_directory
    from posventa.engine.models import HumanTask
    from posventa.engine.registry import registry
    from posventa.engine.tests.conftest import ApproveForm, RequestForm, model_files
    from posventa.factories import CompanyFactory, ProductFactory, UserFactory
    from posventa.procedures.apps import MODELS_DIR

    versions = deploy_files(
        {n: x for n, x in read_directory(MODELS_DIR).items() if n == "b_plan_change.bpmn"}
    )
    # The bare step's model (bench/engine.py): the engine tests' approval.
    registry.lanes.update({"Clerk": Role.EXECUTIVE, "Boss": Role.COMMERCIAL_MANAGER})
    registry.forms.update({"test/request": RequestForm, "test/approve": ApproveForm})
    registry.register_action("test_record")(lambda instance, amount: {"ok": True})
    registry.register_action("test_warn")(lambda instance, reason: reason)
    [(approval, _)] = deploy_files(model_files("approval.bpmn"))
    assert versions

    executive = UserFactory(username="bench_exec", role=Role.EXECUTIVE)
    manager = UserFactory(username="bench_manager", role=Role.COMMERCIAL_MANAGER)
    internet = ProductType.objects.get(code="internet")
    plans = [
        Plan.objects.create(code=c, name=n, product_type=internet, monthly_price=p)
        for c, n, p in [("B-10", "Internet 10", 250), ("B-50", "Internet 50", 520)]
    ]
    total = WARMUP + CASES
    products = [
        ProductFactory(
            company=CompanyFactory(executive=executive, nit=str(4_000_000 + i)),
            plan=plans[0],
            technology="fiber",
        )
        for i in range(total)
    ]
    documents = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}

    probe = Probe()
    gc.callbacks.append(probe.gc_callback)
    samples = defaultdict(list)
    counts = defaultdict(list)
    bare = []

    profiler = cProfile.Profile() if PROFILE else None

    def measured(name, action):
        probe.statements = 0
        probe.inside = True
        profiling = profiler is not None and name == PROFILE and probe.counting
        if profiling:
            profiler.enable()
        started = time.perf_counter()
        with connection.execute_wrapper(probe.execute):
            result = action()
        elapsed = (time.perf_counter() - started) * 1000
        if profiling:
            profiler.disable()
        probe.inside = False
        samples[name].append(elapsed)
        counts[name].append(probe.statements)
        return result, elapsed, probe.statements

    def step(case, user, data, name):
        task = HumanTask.objects.get(instance_id=case.instance_id)
        _, claim_ms, claim_n = measured(
            "claim", lambda: engine.task_claim(task_id=task.task_id, user=user)
        )
        _, done_ms, done_n = measured(
            name, lambda: engine.task_complete(task_id=task.task_id, user=user, data=data)
        )
        return claim_ms + done_ms, claim_n + done_n

    def bare_step():
        state = runtime.dump(runtime.start(approval.pk, {}))
        started = time.perf_counter()
        workflow = runtime.load(state)
        task = runtime.ready_user_tasks(workflow)[0]
        task.data.update(amount=300)
        task.run()
        workflow.do_engine_steps()
        runtime.dump(workflow)
        return (time.perf_counter() - started) * 1000

    for i, product in enumerate(products):
        if i == WARMUP:
            # Steady state from here: the figures restart, the tuning the
            # processes apply after their warm-up is applied.
            samples.clear()
            counts.clear()
            bare.clear()
            # What a full collection costs in this warmed process: the pause
            # one would put inside a step, before and after the freeze.
            alive = len(gc.get_objects())
            full_before = _timed_full_collection()
            if GC_TUNING:
                gc_tuning.warm_up()  # as gunicorn and the worker do at start-up
                gc_tuning.freeze_after_warm_up()
            full_after = _timed_full_collection()
            if GC_THRESHOLD:
                gc.set_threshold(*(int(n) for n in GC_THRESHOLD.split(",")))
            probe.counting = True
        case, open_ms, open_n = measured(
            "open",
            lambda product=product: case_open(
                company=product.company,
                procedure="B",
                channel="email",
                subject="Cambio de plan",
                product=product,
                user=executive,
            ),
        )
        check = step(case, executive, {"new_plan": plans[1].pk, **documents}, "complete_check")
        change = step(case, manager, {"new_plan": plans[1].pk}, "complete_change")
        quality = step(
            case,
            executive,
            {
                "conform": "yes",
                "interaction_channel": "phone",
                "interaction_summary": "Conforme con el nuevo plan.",
            },
            "complete_quality",
        )
        for ms, n in (check, quality):
            samples["plain"].append(ms)
            counts["plain"].append(n)
        samples["change"].append(change[0])
        counts["change"].append(change[1])
        samples["case"].append(open_ms + check[0] + change[0] + quality[0])
        counts["case"].append(open_n + check[1] + change[1] + quality[1])
        case.refresh_from_db()
        assert case.status == "closed", case.status
        bare.append(bare_step())

    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
    steps = 4 * CASES  # open and three steps: what the collector's rate is per
    return {
        "ops": {
            name: {
                "p": percentiles(samples[name]),
                "statements": max(counts[name]),
                "statements_min": min(counts[name]),
            }
            for name, _ in OPERATIONS
        },
        "bare": percentiles(bare),
        "gc": {
            "tuned": GC_TUNING,
            "alive": alive,
            "frozen": gc.get_freeze_count(),
            "full_before_ms": full_before,
            "full_after_ms": full_after,
            "threshold": gc.get_threshold(),
            "per_1000_steps": {
                str(g): round(n * 1000 / steps, 1) for g, n in sorted(probe.collections.items())
            },
            "inside": len(probe.pauses_inside),
            "inside_max_ms": max((ms for _, ms in probe.pauses_inside), default=0.0),
            "inside_over_20ms": sum(ms > 20 for _, ms in probe.pauses_inside),
            "inside_full": sum(g == 2 for g, _ in probe.pauses_inside),
        },
    }


def report(backend: str, result: dict) -> None:
    ops, bare = result["ops"], result["bare"][0]
    print(f"\n[{backend}] procedure B, {CASES} cases after {WARMUP} of warm-up, DEBUG off")
    print(f"  bare SpiffWorkflow step: {bare:.2f} ms p50 (the unit of the multiples)")
    print(f"  {'operation':38} {'p50':>7} {'p95':>7} {'SQL':>5} {'× bare':>7}")
    for name, label in OPERATIONS:
        op = ops[name]
        p50, p95 = op["p"]
        statements = str(op["statements"])
        if op["statements_min"] != op["statements"]:
            statements = f"{op['statements_min']}–{op['statements']}"
        print(f"  {label:38} {p50:7.2f} {p95:7.2f} {statements:>5} {p50 / bare:6.1f}×")
    goals = {"open": (15, 4), "plain": (10, 5 if backend == "sqlite" else 10)}
    for name, (max_sql, max_times) in goals.items():
        op = ops[name]
        print(
            f"  goal {name}: ≤ {max_sql} statements (max {op['statements']}),"
            f" ≤ {max_times}× bare ({op['p'][0] / bare:.1f}×)"
        )
    viewflow, before = VIEWFLOW[backend], BEFORE[backend]
    theirs = (viewflow["open"] + 2 * viewflow["plain"] + viewflow["change"]) / viewflow["bare"]
    ours = ops["case"]["p"][0] / bare
    print(
        f"  whole case in bare steps: Posventa {ours:.1f}, viewflow {theirs:.1f}"
        f" → {ours / theirs:.2f}× viewflow (goal ≤ 1.0×"
        + (", on PostgreSQL)" if backend == "postgresql" else ")")
    )
    print(
        "  before issue 17 (p50 ms, that window's bare step "
        f"{viewflow['bare']}): open {before['open']}, claim {before['claim']},"
        f" plain {before['plain']}, plan change {before['change']}"
    )
    g = result["gc"]
    print(
        f"  garbage collector ({'tuned' if g['tuned'] else 'Python defaults'},"
        f" thresholds {tuple(g['threshold'])}): collections per 1 000 steps by generation"
        f" {g['per_1000_steps']}; inside an operation {g['inside']}, of which full"
        f" {g['inside_full']}, longest {g['inside_max_ms']:.1f} ms, over 20 ms:"
        f" {g['inside_over_20ms']} (goal 0)"
    )
    print(
        f"  a full collection of this process ({g['alive']:,} objects alive after the"
        f" warm-up): {g['full_before_ms']:.1f} ms; after the freeze"
        f" ({g['frozen']:,} objects frozen): {g['full_after_ms']:.1f} ms"
    )


if __name__ == "__main__":
    run(__file__, child=child, report=report)
