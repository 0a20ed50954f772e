from django_q.models import Schedule


def test_the_worker_fires_timers_every_minute(db):
    schedule = Schedule.objects.get(func="posventa.engine.jobs.advance_timers")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 1, -1)
