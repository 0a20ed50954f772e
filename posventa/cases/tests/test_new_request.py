"""The new-request form: only the procedures a customer asks for, the
product required when the procedure is about one, what was typed kept when
choosing a procedure redraws the form, and the customer's open requests
listed with links."""

from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.forms import CaseOpenForm
from posventa.cases.models import Case
from posventa.cases.services import case_open
from posventa.factories import CompanyFactory


def offered(form) -> set[str]:
    return {code for code, _label in form.fields["procedure"].choices if code}


def test_the_form_offers_only_the_procedures_a_customer_asks_for(procedures, customer_product):
    codes = offered(CaseOpenForm(company=customer_product.company))
    assert {"A", "B", "E", "H", "L"} <= codes
    assert not codes & {"I", "J", "K"}  # the team's own: debtors list, campaigns, reviews


def test_a_team_procedure_posted_anyway_is_refused(client, procedures, team, customer_product):
    client.force_login(team[Role.EXECUTIVE])
    response = client.post(
        reverse("cases:new", args=[customer_product.company.pk]),
        {"procedure": "I", "channel": "phone", "subject": "Cobranza"},
    )
    assert response.status_code == 200
    assert "Escoja una opción válida" in response.content.decode()
    assert not Case.objects.exists()


def test_the_product_is_required_when_the_procedure_is_about_one(procedures, customer_product):
    company = customer_product.company
    for code in ("B", "E", "H"):
        field = CaseOpenForm(company=company, initial={"procedure": code}).fields["product"]
        assert field.required, code
        assert field.empty_label == "— elija el producto —"
    # A visit (L) is on the customer: the product stays optional.
    field = CaseOpenForm(company=company, initial={"procedure": "L"}).fields["product"]
    assert not field.required
    form = CaseOpenForm(
        {"procedure": "E", "channel": "phone", "subject": "Sin internet"}, company=company
    )
    assert not form.is_valid()
    assert form.errors["product"] == ["Elija el producto al que se refiere la solicitud."]


def test_choosing_a_procedure_redraws_its_part_with_what_was_typed(
    client, procedures, team, customer_product
):
    client.force_login(team[Role.EXECUTIVE])
    url = reverse("cases:new", args=[customer_product.company.pk])
    # What htmx sends on choosing the procedure: the whole form's values.
    page = client.get(
        url,
        {
            "procedure": "E",
            "channel": "whatsapp",
            "product": customer_product.pk,
            "subject": "Internet lento",
            "description": "Desde el lunes",
        },
    ).content.decode()
    assert 'hx-target="#procedure-part"' in page and 'id="procedure-part"' in page
    assert f'<option value="{customer_product.pk}" selected>' in page
    assert '<option value="whatsapp" selected>' in page
    assert 'value="Internet lento"' in page and "Desde el lunes</textarea>" in page


def test_the_form_lists_the_customers_open_requests_with_links(
    client, procedures, team, customer_product
):
    company = customer_product.company
    open_case = case_open(
        company=company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
    other = CompanyFactory(executive=team[Role.EXECUTIVE])
    elsewhere = case_open(
        company=other, procedure="L", channel="phone", subject="Visita", user=team[Role.EXECUTIVE]
    )
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("cases:new", args=[company.pk])).content.decode()
    assert "data-open-requests" in page
    assert "Este cliente tiene 1 solicitud abierta" in page
    assert reverse("cases:detail", args=[open_case.number]) in page
    assert elsewhere.number not in page  # another customer's
    # A customer with none: no list.
    page = client.get(
        reverse("cases:new", args=[CompanyFactory(executive=team[Role.EXECUTIVE]).pk])
    )
    assert "data-open-requests" not in page.content.decode()
