"""The forms of the procedures' user tasks, registered by their formKey."""

from posventa.procedures.forms import (  # noqa: F401 — they register themselves
    a_supplementary_services,
    b_plan_change,
    c_relocation,
    common,
    d_suspension,
    e_damage,
    f_billing_complaint,
    g_call_detail,
    h_withdrawal,
    i_collections,
    j_loyalty_calls,
    k_preventive_review,
    l_support_visits,
)
