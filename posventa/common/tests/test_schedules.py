"""The worker's periodic jobs are written by a command, idempotently."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from posventa.common.schedules import SCHEDULES, schedules_ensure

pytestmark = pytest.mark.django_db


def test_every_listed_job_exists_after_the_command_and_names_a_real_function():
    Schedule.objects.all().delete()
    call_command("schedules", verbosity=0)
    assert set(Schedule.objects.values_list("name", flat=True)) == {j.name for j in SCHEDULES}
    from django.utils.module_loading import import_string

    for job in SCHEDULES:
        assert callable(import_string(job.func))


def test_running_it_again_changes_nothing_and_keeps_each_next_run():
    schedules_ensure()
    before = dict(Schedule.objects.values_list("name", "next_run"))
    assert set(schedules_ensure().values()) == {"unchanged"}
    assert dict(Schedule.objects.values_list("name", "next_run")) == before
    assert Schedule.objects.count() == len(SCHEDULES)


def test_a_job_changed_by_hand_is_put_back_and_a_stale_one_removed():
    schedules_ensure()
    Schedule.objects.filter(name="Vigilancia de las 24 horas").update(minutes=60, repeats=3)
    Schedule.objects.create(
        name="Trabajo retirado", func="posventa.old.jobs.gone", schedule_type="I", minutes=1
    )
    Schedule.objects.create(name="De otro", func="other.jobs.keep", schedule_type="I", minutes=1)
    report = schedules_ensure()
    assert report["Vigilancia de las 24 horas"] == "updated"
    assert report["Trabajo retirado"] == "removed"
    watch = Schedule.objects.get(name="Vigilancia de las 24 horas")
    assert (watch.minutes, watch.repeats) == (5, -1)
    assert Schedule.objects.filter(name="De otro").exists()


def test_the_daily_report_first_runs_at_18_la_paz_and_proformas_on_the_first_at_6():
    Schedule.objects.all().delete()
    schedules_ensure()
    report = timezone.localtime(
        Schedule.objects.get(name="Informe diario de los analistas técnicos").next_run
    )
    assert (report.hour, report.minute) == (18, 0)
    assert report - timezone.localtime() <= timedelta(days=1)
    proformas = timezone.localtime(Schedule.objects.get(name="Facturas proforma del mes").next_run)
    assert (proformas.day, proformas.hour) == (1, 6)
