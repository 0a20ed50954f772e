"""The Help Desk adapter: the built-in diagnosis records by default, any class
the setting names instead."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from posventa.factories import PlanFactory, ProductFactory, UserFactory
from posventa.integrations import helpdesk
from posventa.integrations.helpdesk import Diagnosis, DiagnosisRecords, mbps
from posventa.integrations.models import DiagnosisRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(db):
    return ProductFactory(plan=PlanFactory(code="INT-50", name="Internet 50 Mbps"))


READINGS = {
    "outages": False,
    "no_service": False,
    "wifi_coverage": "weak",
    "devices": 22,
    "contracted_mbps": "50",
    "measured_mbps": "12.345",
    "amplifiers": True,
    "router": "misconfigured",
    "findings": "Demasiados dispositivos en un solo router.",
    "solved_remotely": True,
}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("12.345", Decimal("12.35")),  # half-up, not half-even
        ("12.344", Decimal("12.34")),
        ("0.125", Decimal("0.13")),
        ("30", Decimal("30.00")),
        ("7,5", Decimal("7.50")),
        ("nada", Decimal("0.00")),
    ],
)
def test_speeds_are_decimals_rounded_half_up_to_cents(given, expected):
    assert mbps(given) == expected and isinstance(mbps(given), Decimal)


def test_the_readings_start_from_the_speed_the_plan_sells(product):
    found = helpdesk.readings(product=product)
    assert found.contracted_mbps == "50.00"
    assert found.service_number == product.service_number
    assert found.source == "diagnosis_record" and found.solved_remotely is None
    no_speed = ProductFactory(plan=PlanFactory(code="TV-1", name="TV cable básico"))
    assert helpdesk.readings(product=no_speed).contracted_mbps == ""


def test_the_analysts_diagnosis_is_kept_and_summarised(product):
    analyst = UserFactory(username="analyst", role="technical_analyst")
    found = helpdesk.record(product=product, work_order=None, readings=READINGS, analyst=analyst)
    record = DiagnosisRecord.objects.get(pk=found.record_id)
    assert (record.product, record.analyst, record.devices, record.amplifiers) == (
        product,
        analyst,
        22,
        True,
    )
    assert (record.contracted_mbps, record.measured_mbps) == (Decimal("50.00"), Decimal("12.35"))
    assert found.speed_ratio == Decimal("25")  # 12.35 of 50 Mbps
    summary = found.summary()
    assert "12.35" in summary and "50.00" in summary and "25%" in summary
    assert "Demasiados dispositivos" in summary
    assert found.as_dict()["summary"] == summary


def test_the_database_refuses_a_diagnosis_that_makes_no_sense(product):
    with pytest.raises(ValidationError):
        DiagnosisRecords().record(
            product=product,
            work_order=None,
            readings={**READINGS, "contracted_mbps": "0"},
            analyst=None,
        )
    with pytest.raises(ValidationError):
        DiagnosisRecords().record(
            product=product, work_order=None, readings={**READINGS, "router": "x"}, analyst=None
        )
    assert not DiagnosisRecord.objects.exists()


class FakeHelpDesk:
    """A real Help Desk would measure the line itself."""

    def readings(self, *, product):
        return Diagnosis(
            service_number=product.service_number,
            outages=True,
            contracted_mbps="50.00",
            measured_mbps="0.00",
            source="fake",
        )

    def record(self, *, product, work_order, readings, analyst):
        return Diagnosis(service_number=product.service_number, source="fake")


def test_the_setting_swaps_the_help_desk(settings, product):
    settings.POSVENTA_HELPDESK_ADAPTER = f"{__name__}.FakeHelpDesk"
    found = helpdesk.readings(product=product)
    assert (found.source, found.outages, found.measured_mbps) == ("fake", True, "0.00")
    helpdesk.record(product=product, work_order=None, readings=READINGS, analyst=None)
    assert not DiagnosisRecord.objects.exists()
