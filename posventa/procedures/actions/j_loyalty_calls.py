"""Procedure J, loyalty and retention calls: what the system does with the
call's result — the contact data updated on the spot, or the problem noted
in the campaign before procedure E (called inside the case) registers the
damage."""

from posventa.campaigns.services import call_with_problem, call_without_problem
from posventa.cases.selectors import case_for_instance
from posventa.engine.registry import registry


@registry.register_action("record_call_without_problem")
def record_call_without_problem(
    instance,
    contact_name: str = "",
    contact_email: str = "",
    contact_whatsapp: str = "",
    contact_phone: str = "",
    note: str = "",
) -> str:
    """Step 3: update the customer's contact data; the call is counted."""
    item = call_without_problem(
        case=case_for_instance(instance),
        contact={
            "name": contact_name,
            "email": contact_email,
            "whatsapp": contact_whatsapp,
            "phone": contact_phone,
        },
        note=note,
    )
    return item.result


@registry.register_action("record_call_problem")
def record_call_problem(instance, note: str = "") -> str:
    """Step 4: the call is counted as a problem; E follows."""
    return call_with_problem(case=case_for_instance(instance), note=note).result
