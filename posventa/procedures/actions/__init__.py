"""The service-task actions of the procedures, registered by operation name."""

from posventa.procedures.actions import (  # noqa: F401 — they register themselves
    a_supplementary_services,
    b_plan_change,
    c_relocation,
    d_suspension,
    documents,
    e_damage,
    f_billing_complaint,
    g_call_detail,
    h_withdrawal,
    i_collections,
    j_loyalty_calls,
    k_preventive_review,
    l_support_visits,
)
