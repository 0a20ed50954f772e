"""The texts customers get at each event, in Spanish, as the team starts
with them: the team lead edits them in the admin (docs/notifications.md).
On WhatsApp each goes as the approved template of the same name and text,
its {placeholders} as {{1}}, {{2}}… in the order they appear."""

from django.db import migrations

SIGNATURE = "\n\nEquipo de Posventa Empresas"

TEXTS = [
    {
        "event": "received",
        "subject": "Recibimos su solicitud",
        "text": (
            "Señores {cliente}:\n\n"
            "Recibimos su solicitud {numero} ({procedimiento}): {asunto}. "
            "La atenderemos dentro de las 24 horas. Si nos escribe sobre ella, "
            "cite el número {numero}." + SIGNATURE
        ),
        "whatsapp_template": "posventa_recibido",
    },
    {
        "event": "attended",
        "subject": "Atendimos su solicitud",
        "text": (
            "Señores {cliente}:\n\n"
            "Su solicitud {numero} ({procedimiento}) ya fue atendida por {ejecutiva}. "
            "Le avisaremos cuando quede cerrada." + SIGNATURE
        ),
        "whatsapp_template": "posventa_atendido",
    },
    {
        "event": "closed",
        "subject": "Su solicitud quedó cerrada",
        "text": (
            "Señores {cliente}:\n\n"
            "Cerramos su solicitud {numero} ({procedimiento}): {resultado}.\n\n"
            "Gracias por su confianza." + SIGNATURE
        ),
        "whatsapp_template": "posventa_cerrado",
    },
    {
        "event": "informed",
        "subject": "Novedades de su solicitud",
        "text": (
            "Señores {cliente}:\n\n"
            "Sobre su solicitud {numero} ({procedimiento}).\n"
            "{paso}: {mensaje}" + SIGNATURE
        ),
        "whatsapp_template": "posventa_informado",
    },
    {
        "event": "proforma",
        "subject": "Proforma {periodo} del servicio {servicio}",
        "text": (
            "Señores {cliente}: le enviamos la proforma de {periodo} del servicio "
            "{servicio}, por Bs {monto}. Su ejecutiva: {ejecutiva}."
        ),
        "whatsapp_template": "posventa_proforma",
    },
]


def seed(apps, schema_editor):
    NotificationTemplate = apps.get_model("channels", "NotificationTemplate")
    for values in TEXTS:
        NotificationTemplate.objects.get_or_create(
            event=values["event"],
            defaults={**values, "whatsapp_language": "es", "is_active": True},
        )


def unseed(apps, schema_editor):
    NotificationTemplate = apps.get_model("channels", "NotificationTemplate")
    NotificationTemplate.objects.filter(event__in=[t["event"] for t in TEXTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("channels", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
