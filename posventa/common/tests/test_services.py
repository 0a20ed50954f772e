"""The helpers every service uses: what Python checks before an insert, and
what the database refuses in it, given the message full_clean would give."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from posventa.cases.models import Case
from posventa.common.services import clean_own_fields, database_refusal
from posventa.factories import CompanyFactory


def new_case(**fields) -> Case:
    values = {
        "number": "PV-2026-999001",
        "company": CompanyFactory(),
        "procedure": "B",
        "channel": "email",
        "received_at": timezone.now(),
        "subject": "Cambio de plan",
    }
    return Case(**{**values, **fields})


def test_clean_own_fields_checks_each_field_with_no_query(db, django_assert_num_queries):
    case = new_case(channel="fax", subject="x" * 1000)
    with django_assert_num_queries(0), pytest.raises(ValidationError) as refused:
        clean_own_fields(case)
    assert set(refused.value.message_dict) == {"channel", "subject"}


def test_a_constraint_the_database_refuses_gives_the_constraint_s_message(db):
    case = new_case(status="closed")  # closed with no outcome nor closing time
    constraint = next(c for c in Case._meta.constraints if c.name == "case_closed_has_outcome")
    with pytest.raises(ValidationError) as refused, transaction.atomic(), database_refusal(Case):
        case.save(force_insert=True)
    assert refused.value.messages == [constraint.get_violation_error_message()]
    assert not Case.objects.filter(number=case.number).exists()


def test_any_other_refusal_of_the_database_is_raised_as_it_is(db):
    first = new_case()
    first.save()
    again = new_case(company=first.company)  # the same number
    with pytest.raises(IntegrityError), transaction.atomic(), database_refusal(Case):
        again.save(force_insert=True)
