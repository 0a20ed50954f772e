"""After the load: does the event log hold exactly the steps the load completed?

`steps_check(recorded_path)` runs inside Django (the caller did
`django.setup()`). It reads the JSON lines the locustfile wrote
(bench/load/locustfile.py; `recorded_path` is one file or a folder of
`*.jsonl` files, one per locust process) and compares the completions it
recorded with the engine's event log (posventa/engine/models.py, TaskEvent:
kind "UserTask", ended, not cancelled, by task_id):

- expected: the completions recorded (acknowledged by a success answer);
- found: those the log has ended; missing: recorded but not ended in the log;
- extra: ended in the log during the run by one of the load's users but not
  recorded and never attempted — nobody asked for them;
- unacknowledged: ended in the log, attempted by the load, but its answer
  never came back as a success (lost, timed out, the run stopped meanwhile):
  not a loss, reported apart;
- duplicates: a task_id with more than one ended event;
- wrong_actor: recorded by one user, ended in the log by another;
- recorded_twice: the same task recorded as completed twice by the load.

It also counts the cases opened: recorded by the load, and in the database
opened during the run by the load's users (and which recorded ones are
missing). "ok" is true when nothing is missing, extra, duplicated or
recorded twice, and every recorded case exists.

Standalone: `DEBUG=1 .venv/bin/python bench/load/check.py RECORD.jsonl`.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

# Requests still in flight when locust stops may end on the server a little later.
GRACE = timedelta(seconds=60)


def read_records(recorded_path: Path) -> list[dict]:
    path = Path(recorded_path)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    lines = []
    for file in files:
        for raw in file.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                lines.append(json.loads(raw))
    return lines


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def steps_check(recorded_path: Path, *, grace: timedelta = GRACE) -> dict:
    from django.db.models import Count

    from posventa.cases.models import Case
    from posventa.engine.models import TaskEvent

    lines = read_records(recorded_path)
    starts = [_moment(r["at"]) for r in lines if r.get("kind") == "start"]
    stops = [_moment(r["at"]) for r in lines if r.get("kind") == "stop"]
    if not starts:
        raise ValueError(f"{recorded_path}: no start line (not a locustfile record)")
    since = min(starts)
    until = (max(stops) if stops else max(_moment(r["at"]) for r in lines)) + grace
    users = sorted({u for r in lines if r.get("kind") == "start" for u in r.get("users", [])})

    completes = [r for r in lines if r.get("kind") == "complete"]
    recorded_counts = Counter(r["task_id"] for r in completes)
    recorded = set(recorded_counts)
    recorded_by = {r["task_id"]: r["user"] for r in completes}
    attempted = {r["task_id"] for r in lines if r.get("kind") == "attempt"}

    ended = TaskEvent.objects.filter(kind="UserTask", ended_at__isnull=False, cancelled=False)
    # Every ended event of a recorded task, whenever it ended.
    logged_recorded = {
        str(task_id): actor
        for task_id, actor in ended.filter(task_id__in=list(recorded)).values_list(
            "task_id", "actor__username"
        )
    }
    # What the load's users ended during the run.
    in_run = {
        str(task_id)
        for task_id in ended.filter(
            ended_at__gte=since, ended_at__lte=until, actor__username__in=users
        ).values_list("task_id", flat=True)
    }
    not_recorded = in_run - recorded
    duplicates = sorted(
        str(row["task_id"])
        for row in ended.filter(task_id__in=list(recorded | in_run))
        .values("task_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    found = sorted(recorded & set(logged_recorded))
    missing = sorted(recorded - set(logged_recorded))
    wrong_actor = sorted(t for t in found if logged_recorded[t] != recorded_by[t])

    opens = [r for r in lines if r.get("kind") == "open"]
    opened_numbers = {r["case"] for r in opens}
    cases_in_run = set(
        Case.objects.filter(
            created_at__gte=since, created_at__lte=until, opened_by__username__in=users
        ).values_list("number", flat=True)
    )
    existing = set(Case.objects.filter(number__in=opened_numbers).values_list("number", flat=True))

    result = {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "users": len(users),
        "expected": len(recorded),
        "found": len(found),
        "missing": missing,
        "extra": sorted(not_recorded - attempted),
        "unacknowledged": sorted(not_recorded & attempted),
        "duplicates": duplicates,
        "wrong_actor": wrong_actor,
        "recorded_twice": sorted(t for t, n in recorded_counts.items() if n > 1),
        "by_step": dict(Counter(r.get("step", "") for r in completes).most_common()),
        "by_channel": dict(Counter(r.get("via", "") for r in completes)),
        "cases_opened": {
            "recorded": len(opened_numbers),
            "in_database": len(cases_in_run),
            "missing": sorted(opened_numbers - existing),
            "not_recorded": sorted(cases_in_run - opened_numbers),
        },
    }
    result["ok"] = not (
        result["missing"]
        or result["extra"]
        or result["duplicates"]
        or result["recorded_twice"]
        or result["wrong_actor"]
        or result["cases_opened"]["missing"]
    )
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check.py RECORD.jsonl|RECORD_DIR", file=sys.stderr)
        return 2
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    result = steps_check(Path(argv[0]))
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
