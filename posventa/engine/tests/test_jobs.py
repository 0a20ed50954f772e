from django_q.models import Schedule


def test_the_worker_fires_timers_every_minute(db):
    schedule = Schedule.objects.get(func="posventa.engine.jobs.advance_timers")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 1, -1)


def test_what_the_timers_write_is_in_the_sites_language(procedures, team, customer_product):
    """The worker has no request: the warning a late step leaves is still Spanish."""
    from datetime import timedelta

    import time_machine
    from django.utils import translation

    from posventa.accounts.roles import Role
    from posventa.cases.services import case_open
    from posventa.engine.jobs import advance_timers

    case = case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Cambio",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
    with (
        translation.override("en"),
        time_machine.travel(case.received_at + timedelta(hours=25), tick=False),
    ):
        assert advance_timers() == 1
    assert case.alerts.get().message.startswith("Caso ")
