"""The network feasibility adapter: the coverage table by default, any class
the setting names instead."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from posventa.factories import UserFactory
from posventa.integrations import feasibility
from posventa.integrations.feasibility import CoverageTable, Feasibility
from posventa.integrations.models import Coverage, place_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def coverage(db):
    for zone, neighbourhood, technology, ports in [
        ("Zona Sudoeste", "Hipódromo", "copper", 12),
        ("Zona Sudoeste", "Hipódromo", "fiber", 0),
        ("Zona Norte", "Queru Queru", "fiber", 30),
    ]:
        Coverage.objects.create(
            zone=zone, neighbourhood=neighbourhood, technology=technology, spare_ports=ports
        )


def test_the_table_says_which_networks_reach_a_place_and_with_how_many_ports(coverage):
    found = feasibility.check(
        address="Av. Tadeo Haenke N° 1560", zone="zona sudoeste", neighbourhood="Hipodromo"
    )
    assert found.spare_ports == {"copper": 12, "fiber": 0}
    assert found.technologies == ["copper", "fiber"]
    assert found.available == ["copper"]  # fiber is there, but full
    assert found.feasible
    assert found.source == "coverage_table"
    summary = found.summary()
    assert "Hipodromo" in summary and "12" in summary
    assert found.as_dict()["available"] == ["copper"] and found.as_dict()["feasible"] is True


def test_a_place_the_table_does_not_know_is_not_feasible(coverage):
    found = feasibility.check(address="Km 7", zone="Zona Norte", neighbourhood="Temporal")
    assert found.technologies == [] and not found.feasible
    assert "Temporal" in found.summary()


def test_a_full_network_is_not_feasible():
    found = Feasibility(
        address="x", zone="Zona Este", neighbourhood="Tupuraya", spare_ports={"copper": 0}
    )
    assert found.technologies == ["copper"] and found.available == [] and not found.feasible


class FakeNetwork:
    """A stand-in for a real network integration (QGIS, say)."""

    def check(self, *, address, zone, neighbourhood):
        return Feasibility(
            address=address,
            zone=zone,
            neighbourhood=neighbourhood,
            spare_ports={"fiber": 1},
            source="fake",
        )


def test_the_setting_replaces_the_coverage_table(settings, coverage):
    settings.POSVENTA_FEASIBILITY_ADAPTER = f"{__name__}.FakeNetwork"
    found = feasibility.check(address="Km 7", zone="Nowhere", neighbourhood="Nothing")
    assert found.available == ["fiber"] and found.source == "fake"
    settings.POSVENTA_FEASIBILITY_ADAPTER = ""
    assert isinstance(feasibility.adapter(), CoverageTable)


def test_place_keys_ignore_case_accents_and_spacing():
    assert place_key("  Zona   SUDOESTE ") == place_key("zona sudoeste")
    assert place_key("Hipódromo") == place_key("hipodromo")


def test_one_row_per_place_and_technology(coverage):
    twin = Coverage(
        zone="ZONA NORTE", neighbourhood="queru  queru", technology="fiber", spare_ports=3
    )
    with pytest.raises(ValidationError):
        twin.full_clean()
    Coverage(
        zone="Zona Norte", neighbourhood="Queru Queru", technology="copper", spare_ports=3
    ).full_clean()


def test_the_admin_keeps_the_table_and_refuses_a_duplicate(client, coverage):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True, role=""))
    assert client.get(reverse("admin:integrations_coverage_changelist")).status_code == 200
    response = client.post(
        reverse("admin:integrations_coverage_add"),
        {
            "zone": "Zona Norte",
            "neighbourhood": "QUERU QUERU",
            "technology": "fiber",
            "spare_ports": 5,
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert Coverage.objects.filter(neighbourhood_key="queru queru").count() == 1
    response = client.post(
        reverse("admin:integrations_coverage_add"),
        {
            "zone": "Zona Sud",
            "neighbourhood": "Jaihuayco",
            "technology": "copper",
            "spare_ports": 8,
        },
    )
    assert response.status_code == 302
    row = Coverage.objects.get(neighbourhood="Jaihuayco")
    assert (row.zone_key, row.neighbourhood_key) == ("zona sud", "jaihuayco")
