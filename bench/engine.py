"""Engine benchmarks (issue 3), on SQLite and on PostgreSQL.

1. One step through the service layer (lock, load, complete the form, run the
   engine, save, rebuild inbox rows, append the event log) against the bare
   SpiffWorkflow step on the same model (deserialize, run, serialize).
   Goal: service step ≤ 3× the bare step.
2. The inbox query with 1 000 and with 200 000 closed cases in history (plus
   10 000 open tasks). Goal: ratio ≤ 1.5 — history must not slow the inbox.

Run with `make bench`; prints percentiles and ratios, asserts nothing.
"""

import os
import time

from _harness import percentiles, run, setup_django

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench")
STEPS = int(os.environ.get("BENCH_STEPS", "300"))
INBOX_RUNS = int(os.environ.get("BENCH_INBOX_RUNS", "60"))


# --- child process: one backend --------------------------------------------------------


def bench_step() -> dict:
    from posventa.accounts.roles import Role
    from posventa.engine import runtime, services
    from posventa.engine.deployment import deploy_files
    from posventa.engine.registry import registry
    from posventa.engine.tests.conftest import ApproveForm, RequestForm, model_files
    from posventa.factories import UserFactory

    registry.lanes.update({"Clerk": Role.EXECUTIVE, "Boss": Role.COMMERCIAL_MANAGER})
    registry.forms.update({"test/request": RequestForm, "test/approve": ApproveForm})
    registry.register_action("test_record")(lambda instance, amount: {"ok": True})
    registry.register_action("test_warn")(lambda instance, reason: reason)
    [(version, _)] = deploy_files(model_files("approval.bpmn"))
    clerk = UserFactory(username="bench_clerk", role=Role.EXECUTIVE)

    service_ms, bare_ms = [], []
    for i in range(STEPS):
        instance = services.instance_start(process_id="approval", business_key=f"B-{i}", data={})
        task = instance.human_tasks.get()
        started = time.perf_counter()
        services.task_complete(task_id=task.task_id, user=clerk, data={"amount": "300"})
        service_ms.append((time.perf_counter() - started) * 1000)

        # The bare engine step on the same model and the same starting state.
        state = runtime.dump(runtime.start(version.pk, {}))
        started = time.perf_counter()
        workflow = runtime.load(state)
        bare_task = runtime.ready_user_tasks(workflow)[0]
        bare_task.data.update(amount=300)
        bare_task.run()
        workflow.do_engine_steps()
        runtime.dump(workflow)
        bare_ms.append((time.perf_counter() - started) * 1000)
    # The first steps warm caches (parsed spec, imports): not steady state.
    warm = STEPS // 10
    return {"service": percentiles(service_ms[warm:]), "bare": percentiles(bare_ms[warm:])}


def _populate(closed_cases: int, open_tasks: int, start_at: int = 0) -> None:
    """Cases with instances, written in bulk: `closed_cases` finished ones and
    (on the first call) `open_tasks` pending steps spread over every role."""
    import uuid
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from posventa.accounts.roles import Role
    from posventa.cases.models import Case
    from posventa.customers.models import Company
    from posventa.engine.models import HumanTask, ProcessInstance, ProcessVersion

    version = ProcessVersion.objects.get(process_id="approval")
    companies = list(Company.objects.all())
    roles = [Role.EXECUTIVE, Role.COMMERCIAL_MANAGER, Role.TECHNICAL_MANAGER]
    now = timezone.now()
    batch = 5000

    def write(count, offset, closed):
        for first in range(0, count, batch):
            size = min(batch, count - first)
            with transaction.atomic():
                instances = ProcessInstance.objects.bulk_create(
                    [
                        ProcessInstance(
                            version=version,
                            business_key=f"PV-H-{offset + first + n:07d}",
                            status="completed" if closed else "running",
                            state="{}",
                            completed_at=now if closed else None,
                        )
                        for n in range(size)
                    ]
                )
                Case.objects.bulk_create(
                    [
                        Case(
                            number=inst.business_key,
                            company=companies[(offset + first + n) % len(companies)],
                            procedure="B",
                            channel="email",
                            received_at=now - timedelta(minutes=offset + first + n),
                            requested_at=now - timedelta(minutes=offset + first + n),
                            subject="Cambio de plan",
                            status="closed" if closed else "open",
                            outcome="fulfilled" if closed else "",
                            closed_at=now if closed else None,
                            attended_at=now if closed else None,
                            instance=inst,
                        )
                        for n, inst in enumerate(instances)
                    ]
                )
                if not closed:
                    HumanTask.objects.bulk_create(
                        [
                            HumanTask(
                                instance=inst,
                                task_id=uuid.uuid4(),
                                bpmn_id="request",
                                name="Fill in the request",
                                lane="Clerk",
                                role=roles[n % len(roles)],
                                form_key="test/request",
                                created_at=now,
                                due_at=now + timedelta(hours=24, minutes=-n),
                            )
                            for n, inst in enumerate(instances)
                        ]
                    )

    if open_tasks:
        write(open_tasks, 10_000_000, closed=False)
    write(closed_cases, start_at, closed=True)


def bench_inbox() -> dict:
    from django.db import connection

    from posventa.accounts.roles import Role
    from posventa.cases.models import Case
    from posventa.cases.selectors import case_clock, inbox
    from posventa.factories import CompanyFactory, UserFactory

    Case.objects.all().delete()
    executives = [UserFactory(username=f"bench_exec{i}", role=Role.EXECUTIVE) for i in range(4)]
    for i in range(60):
        CompanyFactory(executive=executives[i % 4], nit=str(3000000 + i))
    manager = UserFactory(username="bench_manager", role=Role.COMMERCIAL_MANAGER)

    def measure(user) -> tuple[float, float]:
        samples = []
        for _ in range(INBOX_RUNS):
            started = time.perf_counter()
            rows = [(t, case_clock(t.instance.case)) for t in inbox(user=user)[:200]]
            samples.append((time.perf_counter() - started) * 1000)
            assert rows
        return percentiles(samples[5:])

    def analyze():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    _populate(closed_cases=1_000, open_tasks=10_000)
    analyze()
    small = {"executive": measure(executives[0]), "manager": measure(manager)}
    _populate(closed_cases=199_000, open_tasks=0, start_at=1_000)
    analyze()
    large = {"executive": measure(executives[0]), "manager": measure(manager)}
    return {"small": small, "large": large}


def child(backend: str) -> dict:
    setup_django(backend, pg_url=PG_URL)
    return {"step": bench_step(), "inbox": bench_inbox()}


# --- parent: run both backends and report ----------------------------------------------


def report(backend: str, result: dict) -> None:
    service, bare = result["step"]["service"], result["step"]["bare"]
    print(f"\n[{backend}] one step, {STEPS} steps (p50 / p95, ms)")
    print(f"  service layer : {service[0]:7.2f} / {service[1]:7.2f}")
    print(f"  bare engine   : {bare[0]:7.2f} / {bare[1]:7.2f}")
    print(f"  ratio p50     : {service[0] / bare[0]:.2f}x  (goal ≤ 3x)")
    print(f"[{backend}] inbox, 10 000 open tasks, first 200 rows (p50 / p95, ms)")
    for who in ("executive", "manager"):
        small, large = result["inbox"]["small"][who], result["inbox"]["large"][who]
        print(
            f"  {who:9}: 1 000 closed {small[0]:6.2f} / {small[1]:6.2f}"
            f" · 200 000 closed {large[0]:6.2f} / {large[1]:6.2f}"
            f" · ratio p50 {large[0] / small[0]:.2f}x (goal ≤ 1.5x)"
        )


if __name__ == "__main__":
    run(__file__, child=child, report=report)
