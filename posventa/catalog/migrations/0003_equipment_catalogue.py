# The equipment catalogue: each kind of device and the parts it is lent with,
# priced by tariff rows.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_reference_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tariff",
            name="code",
            field=models.CharField(
                choices=[
                    ("call_detail_previous_month", "Call detail, each previous month"),
                    ("basic_telephony", "Basic telephony (Multipack part)"),
                    ("supplementary_service", "Supplementary service enablement"),
                    ("relocation", "Product relocation"),
                    ("excess_cable_per_metre", "Excess cable, per metre"),
                    (
                        "early_termination_penalty",
                        "Early-termination penalty (share of the remaining months)",
                    ),
                    ("part_power_supply", "Part: power supply"),
                    ("part_remote_control", "Part: remote control"),
                    ("part_hdmi_cable", "Part: HDMI cable"),
                    ("part_network_cable", "Part: network cable"),
                    ("part_phone_cord", "Part: telephone cord"),
                    ("part_fiber_patch_cord", "Part: fiber patch cord"),
                    ("part_antenna", "Part: antenna"),
                    ("part_handset", "Part: handset"),
                    ("part_usb_cable", "Part: USB cable"),
                    ("device_modem", "Device: modem"),
                    ("device_router", "Device: Wi-Fi router"),
                    ("device_ont", "Device: fiber ONT"),
                    ("device_decoder", "Device: TV decoder"),
                    ("device_phone", "Device: telephone set"),
                    ("device_hspa_modem", "Device: HSPA modem"),
                ],
                max_length=40,
                unique=True,
                verbose_name="code",
            ),
        ),
        migrations.AlterField(
            model_name="tariff",
            name="unit",
            field=models.CharField(
                choices=[
                    ("bs_per_event", "Bs per request"),
                    ("bs_per_month", "Bs per month"),
                    ("bs_per_metre", "Bs per metre"),
                    ("bs_per_unit", "Bs per unit"),
                    ("percent", "percent"),
                ],
                max_length=16,
                verbose_name="unit",
            ),
        ),
        migrations.CreateModel(
            name="EquipmentPart",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "tariff",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="equipment_part",
                        to="catalog.tariff",
                        verbose_name="replacement price (tariff)",
                    ),
                ),
            ],
            options={
                "verbose_name": "equipment part",
                "verbose_name_plural": "equipment parts",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="EquipmentType",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("modem", "Modem"),
                            ("router", "Wi-Fi router"),
                            ("ont", "Fiber ONT"),
                            ("decoder", "TV decoder"),
                            ("phone", "Telephone set"),
                            ("hspa_modem", "HSPA modem"),
                        ],
                        max_length=16,
                        unique=True,
                        verbose_name="kind",
                    ),
                ),
                (
                    "parts",
                    models.ManyToManyField(
                        blank=True,
                        related_name="equipment_types",
                        to="catalog.equipmentpart",
                        verbose_name="parts",
                    ),
                ),
                (
                    "replacement_tariff",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="equipment_type",
                        to="catalog.tariff",
                        verbose_name="replacement price of the device (tariff)",
                    ),
                ),
            ],
            options={
                "verbose_name": "equipment type",
                "verbose_name_plural": "equipment catalogue",
                "ordering": ["kind"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "kind__in",
                                ["modem", "router", "ont", "decoder", "phone", "hspa_modem"],
                            )
                        ),
                        name="equipment_type_kind_known",
                    )
                ],
            },
        ),
    ]
