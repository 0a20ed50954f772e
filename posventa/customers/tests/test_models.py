"""The invariants the database keeps even for rows written around the services."""

import pytest
from django.db import DataError, IntegrityError, transaction

from posventa.customers.models import Company, Contact
from posventa.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "nit", ["ABC1234567", "123456", "0123456789", "1020.703.023", "102070302 ", ""]
)
def test_the_database_refuses_a_nit_that_is_not_7_to_12_digits(executive, nit):
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(nit=nit, legal_name="X S.A.", address="Calle 1", executive=executive)
    assert not Company.objects.exists()


def test_the_database_refuses_a_nit_of_13_digits(executive):
    # PostgreSQL stops it at varchar(12) (DataError), SQLite at the check constraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Company.objects.create(
            nit="1234567890123", legal_name="X S.A.", address="Calle 1", executive=executive
        )
    assert not Company.objects.exists()


@pytest.mark.parametrize("nit", ["1234567", "123456789012", "1020703023"])
def test_the_database_accepts_a_plausible_nit(executive, nit):
    Company.objects.create(nit=nit, legal_name="X S.A.", address="Calle 1", executive=executive)


def test_the_database_refuses_two_companies_with_one_nit(executive):
    CompanyFactory(nit="1020703023")
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyFactory(nit="1020703023")


def test_the_database_allows_only_one_primary_contact_per_company():
    company = CompanyFactory()
    ContactFactory(company=company, is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(company=company, is_primary=True)
    # Other contacts, and other companies' primaries, are fine.
    ContactFactory(company=company, is_primary=False)
    ContactFactory(company=CompanyFactory(), is_primary=True)
    assert Contact.objects.filter(is_primary=True).count() == 2


def test_display_name_prefers_the_trade_name():
    assert CompanyFactory(legal_name="Andina S.R.L.", trade_name="").display_name == "Andina S.R.L."
    assert str(CompanyFactory(legal_name="Andina S.R.L.", trade_name="Andina")) == "Andina"
