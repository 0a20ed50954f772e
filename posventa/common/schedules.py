"""Every periodic job of the worker, in one list.

`manage.py schedules` (run by `bin/run`, `bin/worker` and each deploy)
writes them to django-q2's schedule table: a missing one is created, a
changed one is corrected, one that is right is left alone (its next run is
kept), and a `posventa.` job no longer listed here is removed. Times are in
the team's time zone (America/La_Paz)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule


def _next_daily(at: time) -> Callable[[], datetime]:
    def first() -> datetime:
        now = timezone.localtime()
        due = timezone.make_aware(datetime.combine(now.date(), at))
        return due if due > now else due + timedelta(days=1)

    return first


def _next_first_of_month(at: time) -> Callable[[], datetime]:
    def first() -> datetime:
        today = timezone.localdate()
        following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return timezone.make_aware(datetime.combine(following, at))

    return first


def _now() -> datetime:
    return timezone.now()


@dataclass(frozen=True)
class Job:
    """One periodic job: what it runs and how often."""

    name: str  # shown to the team in the admin's "Trabajos" (Spanish)
    func: str
    schedule_type: str  # django-q2: I (every `minutes`), D (daily), M (monthly)
    first_run: Callable[[], datetime] = _now
    minutes: int | None = None


SCHEDULES: tuple[Job, ...] = (
    Job("Temporizadores de procesos", "posventa.engine.jobs.advance_timers", "I", minutes=1),
    Job("Envío de correos pendientes", "posventa.outbox.jobs.deliver_pending", "I", minutes=1),
    Job("Webhooks pendientes", "posventa.events.jobs.deliver_pending", "I", minutes=1),
    Job("Vigilancia de las 24 horas", "posventa.cases.jobs.watch_attention", "I", minutes=5),
    Job("Casos huérfanos", "posventa.cases.jobs.watch_orphans", "I", minutes=60),
    Job("Documentos por generar", "posventa.cases.jobs.sweep_documents", "I", minutes=1),
    Job("Latido del trabajador", "posventa.common.jobs.heartbeat", "I", minutes=1),
    Job("Trabajos diferidos", "posventa.common.queue_jobs.relay", "I", minutes=1),
    Job("Lectura del buzón del equipo", "posventa.channels.jobs.read_mailbox", "I", minutes=1),
    Job("Mensajes de WhatsApp", "posventa.channels.jobs.process_webhooks", "I", minutes=1),
    Job(
        "Avisos a clientes pendientes",
        "posventa.channels.jobs.deliver_notifications",
        "I",
        minutes=1,
    ),
    Job(
        "Claves de idempotencia vencidas",
        "posventa.api.jobs.expire_idempotency_keys",
        "I",
        minutes=60,
    ),
    Job("Extractos del sistema comercial", "posventa.imports.jobs.sync_folder", "I", minutes=5),
    Job(
        "Cambios al sistema comercial",
        "posventa.integrations.jobs.hand_back",
        "I",
        minutes=1,
    ),
    Job(
        "Lista de revisión preventiva",
        "posventa.reviews.jobs.refresh_worklist",
        "D",
        first_run=_next_daily(time(7)),
    ),
    Job(
        "Informe diario de los analistas técnicos",
        "posventa.reviews.jobs.send_daily_reports",
        "D",
        first_run=_next_daily(time(18)),
    ),
    Job(
        "Facturas proforma en curso",
        "posventa.collections.jobs.resume_proforma_runs",
        "I",
        minutes=5,
    ),
    Job(
        "Copia de seguridad",
        "posventa.common.jobs.backup_nightly",
        "D",
        first_run=_next_daily(time(2)),
    ),
    Job(
        "Facturas proforma del mes",
        "posventa.collections.jobs.monthly_proformas",
        "M",
        first_run=_next_first_of_month(time(6)),
    ),
)


@transaction.atomic
def schedules_ensure() -> dict[str, str]:
    """Makes the schedule table say what SCHEDULES says; returns each job's
    name with "created", "updated", "unchanged" or "removed"."""
    report: dict[str, str] = {}
    for job in SCHEDULES:
        wanted = {"func": job.func, "schedule_type": job.schedule_type, "minutes": job.minutes}
        schedule = Schedule.objects.select_for_update().filter(name=job.name).first()
        if schedule is None:
            Schedule.objects.create(name=job.name, repeats=-1, next_run=job.first_run(), **wanted)
            report[job.name] = "created"
        elif any(getattr(schedule, field) != value for field, value in wanted.items()) or (
            schedule.repeats != -1
        ):
            timing_changed = (schedule.schedule_type, schedule.minutes) != (
                job.schedule_type,
                job.minutes,
            )
            for field, value in wanted.items():
                setattr(schedule, field, value)
            schedule.repeats = -1
            if timing_changed:
                schedule.next_run = job.first_run()
            schedule.save()
            report[job.name] = "updated"
        else:
            report[job.name] = "unchanged"
    listed = {job.name for job in SCHEDULES}
    for stale in Schedule.objects.filter(func__startswith="posventa.").exclude(name__in=listed):
        stale.delete()
        report[stale.name] = "removed"
    return report
