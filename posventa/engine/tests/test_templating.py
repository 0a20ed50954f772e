"""Instructions are filled in by plain substitution; a placeholder may name
a filter that writes a number the Bolivian way."""

from posventa.engine.templating import render_instructions


def test_a_placeholder_is_replaced_by_its_variable_and_a_list_is_joined():
    text = render_instructions("Faltan: {{ missing }}. {{ none }}", {"missing": ["NIT", "CI"]})
    assert text == "Faltan: NIT, CI. "


def test_the_bs_and_number_filters_write_amounts_and_quantities_the_bolivian_way():
    variables = {"amount": "2620.00", "metres": "1234.5"}
    text = render_instructions("{{ metres|number }} m, {{ amount | bs }}", variables)
    assert text == "1.234,5 m, Bs 2.620,00"


def test_a_filter_on_a_value_that_is_not_a_number_or_an_unknown_filter_leaves_it_as_it_is():
    variables = {"amount": "pendiente", "n": 3, "flag": True}
    text = render_instructions(
        "{{ amount|bs }} {{ n|upper }} {{ flag|number }} {{ x|bs }}", variables
    )
    assert text == "pendiente 3 True "


def test_nothing_is_executed():
    assert render_instructions("{{ __import__ }} {% if x %}", {}) == " {% if x %}"
