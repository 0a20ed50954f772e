# The team's own rules seeded with the values the code applied until now; the
# penalty's percentage is the one the tariff table held (an operator's edit
# kept), and that tariff's note now points at the rule.

from django.db import migrations

from posventa.catalog.reference_data import PENALTY_TARIFF_NOTE, TEAM_RULES


def load(apps, schema_editor):
    Tariff = apps.get_model("catalog", "Tariff")
    TeamRule = apps.get_model("catalog", "TeamRule")
    tariff = Tariff.objects.filter(code="early_termination_penalty").first()
    for code, procedure, label, days, choice, percent, note in TEAM_RULES:
        if code == "h_penalty_formula" and tariff is not None and 0 < tariff.amount <= 100:
            percent = tariff.amount
        TeamRule.objects.get_or_create(
            code=code,
            defaults={
                "procedure": procedure,
                "label": label,
                "days": days,
                "choice": choice,
                "percent": percent,
                "from_manual": False,
                "note": note,
            },
        )
    if tariff is not None:
        rule = TeamRule.objects.get(code="h_penalty_formula")
        tariff.amount = rule.percent
        tariff.note = PENALTY_TARIFF_NOTE
        tariff.save(update_fields=["amount", "note"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_team_rules")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
