"""The triage inbox's screens: the messages waiting to be sorted, one
message with what can become of it, and its files.

A message's text is shown as plain text, escaped; an e-mail's HTML is never
rendered. Files go out through `common.downloads.attachment_response`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, can
from posventa.cases.selectors import cases_visible_to
from posventa.channels import selectors
from posventa.channels.forms import (
    TriageAssignForm,
    TriageNotRequestForm,
    TriageOpenForm,
    TriageThreadForm,
    subject_from,
)
from posventa.channels.models import MESSAGE_CHANNELS, InboundAttachment, MessageState
from posventa.channels.triage import (
    ASSIGN_FIRST,
    AlreadyTriaged,
    triage_assign,
    triage_not_request,
    triage_open_case,
    triage_thread,
)
from posventa.common.downloads import attachment_response
from posventa.common.forms import query_choice
from posventa.common.uploads import content_type_for, safe_filename
from posventa.customers.models import Company
from posventa.engine import services as engine
from posventa.procedures.collisions import CaseCollision
from posventa.web.errors import add_to_form

SHOWN = 200


@login_required
def triage_list(request):
    if not can(request.user, Capability.TRIAGE_MESSAGES):
        raise PermissionDenied(_("Your role does not sort the customers' messages."))
    channels = [(c.value, c.label) for c in MESSAGE_CHANNELS]
    channel = query_choice(request.GET, "channel", channels) or ""
    sees_all = selectors.sees_every_triage(request.user)
    sender = (
        query_choice(request.GET, "sender", [(selectors.UNKNOWN_SENDER, "")]) or ""
        if sees_all
        else ""
    )
    inbox = selectors.triage_inbox(request.user, channel=channel, sender=sender)
    rows = [
        (message, selectors.message_clock(message), timesince(message.received_at, depth=1))
        for message in inbox[:SHOWN]
    ]
    return render(
        request,
        "channels/triage_list.html",
        {
            "rows": rows,
            "total": inbox.count() if len(rows) == SHOWN else len(rows),
            "channels": channels,
            "selected_channel": channel,
            "selected_sender": sender,
            "sees_all": sees_all,
            "unknown_sender": selectors.UNKNOWN_SENDER,
        },
    )


def _forms(request, message, *, bound: dict | None = None) -> dict:
    """The actions' forms of the message page, unbound but for the one posted."""
    bound = bound or {}
    detail_url = reverse("triage:message", args=[message.pk])
    forms = {}
    if message.company is not None:
        forms["open_form"] = bound.get("open_form") or TriageOpenForm(
            company=message.company,
            initial={"subject": subject_from(message), **request.GET.dict()},
            reload_url=detail_url,
        )
        forms["thread_form"] = bound.get("thread_form") or TriageThreadForm(company=message.company)
    forms["not_request_form"] = bound.get("not_request_form") or TriageNotRequestForm()
    if selectors.sees_every_triage(request.user):
        forms["assign_form"] = bound.get("assign_form") or TriageAssignForm(
            initial={
                "company": message.company_id or request.GET.get("company", ""),
                "contact": message.contact_id,
            },
            reload_url=detail_url,
        )
    return forms


def _page(request, message, *, status: int = 200, open_section: str = "", **bound):
    may_triage = message.state == MessageState.TRIAGE and selectors.may_triage(
        request.user, message
    )
    context = {
        "message": message,
        "clock": selectors.message_clock(message),
        "since": timesince(message.received_at, depth=1),
        "may_see_company": message.company_id is not None
        and Company.objects.visible_to(request.user).filter(pk=message.company_id).exists(),
        "attachments": list(message.attachments.all()),
        "may_triage": may_triage,
        "sees_all": selectors.sees_every_triage(request.user),
        "may_see_case": message.case_id is not None
        and cases_visible_to(request.user).filter(pk=message.case_id).exists(),
        "open_section": open_section,
    }
    if may_triage:
        context.update(_forms(request, message, bound=bound))
    return render(request, "channels/triage_message.html", context, status=status)


@login_required
def message_detail(request, pk):
    message = selectors.message_for(request.user, pk)
    return _page(request, message)


def _already(request, error: AlreadyTriaged):
    """Someone sorted it meanwhile (or this was a second click): say what
    became of it, and go where it went."""
    messages.info(request, error.messages[0])
    inbound = error.inbound
    if inbound.case_id and cases_visible_to(request.user).filter(pk=inbound.case_id).exists():
        return redirect("cases:detail", number=inbound.case.number)
    return redirect("triage:list")


def _triage_post(request, pk):
    """The message, for an action posted on it: GET shows the message page."""
    if request.method not in ("GET", "POST"):
        return None, HttpResponseNotAllowed(["GET", "POST"])
    message = selectors.message_for(request.user, pk)
    if request.method == "GET":
        return None, redirect("triage:message", pk=message.pk)
    if not selectors.may_triage(request.user, message):
        raise PermissionDenied(_("This message is not in your triage."))
    return message, None


@login_required
def message_open_case(request, pk):
    message, response = _triage_post(request, pk)
    if response is not None:
        return response
    if message.company is None:
        messages.error(request, ASSIGN_FIRST)
        return redirect("triage:message", pk=message.pk)
    form = TriageOpenForm(
        request.POST,
        company=message.company,
        reload_url=reverse("triage:message", args=[message.pk]),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = triage_open_case(
                message=message,
                user=request.user,
                procedure=data["procedure"],
                product=data["product"],
                subject=data["subject"],
                acknowledge_open_cases=form.acknowledged,
            )
        except AlreadyTriaged as error:
            return _already(request, error)
        except CaseCollision as error:
            if error.refused:
                messages.error(request, error.message())
                refused = next(c for c in error.collisions if c.refused)
                return redirect("cases:detail", number=refused.case.number)
            form.show_collisions(error.collisions, unacknowledged=True)
        except ValidationError as error:
            add_to_form(form, error)
        except engine.StepFailed as error:  # its process could not start: nothing saved
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Case %(number)s opened from the message; the customer is acknowledged.")
                % {"number": case.number},
            )
            return redirect("cases:detail", number=case.number)
    return _page(request, message, status=200, open_section="open", open_form=form)


@login_required
def message_thread(request, pk):
    message, response = _triage_post(request, pk)
    if response is not None:
        return response
    if message.company is None:
        raise Http404
    form = TriageThreadForm(request.POST, company=message.company)
    if form.is_valid():
        try:
            triage_thread(message=message, user=request.user, case=form.cleaned_data["case"])
        except AlreadyTriaged as error:
            return _already(request, error)
        except ValidationError as error:
            add_to_form(form, error)
        else:
            case = form.cleaned_data["case"]
            messages.success(
                request,
                _("The message was added to case %(number)s.") % {"number": case.number},
            )
            return redirect("cases:detail", number=case.number)
    return _page(request, message, open_section="thread", thread_form=form)


@login_required
def message_not_request(request, pk):
    message, response = _triage_post(request, pk)
    if response is not None:
        return response
    form = TriageNotRequestForm(request.POST)
    if form.is_valid():
        try:
            triage_not_request(message=message, user=request.user, note=form.cleaned_data["note"])
        except AlreadyTriaged as error:
            return _already(request, error)
        except ValidationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The message was marked as not a request."))
            return redirect("triage:list")
    return _page(request, message, open_section="not_request", not_request_form=form)


@login_required
def message_assign(request, pk):
    message, response = _triage_post(request, pk)
    if response is not None:
        return response
    if not selectors.sees_every_triage(request.user):
        raise PermissionDenied(_("Only the team lead assigns a message to a customer."))
    form = TriageAssignForm(request.POST, reload_url=reverse("triage:message", args=[message.pk]))
    if form.is_valid():
        company = form.cleaned_data["company"]
        try:
            triage_assign(
                message=message,
                user=request.user,
                company=company,
                contact=form.cleaned_data["contact"],
            )
        except AlreadyTriaged as error:
            return _already(request, error)
        except ValidationError as error:
            add_to_form(form, error)
        else:
            messages.success(
                request,
                _("The message is now in the triage of %(executive)s (%(company)s).")
                % {"executive": company.executive, "company": company.display_name},
            )
            return redirect("triage:list")
    return _page(request, message, open_section="assign", assign_form=form)


@login_required
def message_attachment(request, pk, attachment_pk):
    message = selectors.message_for(request.user, pk)
    attachment = get_object_or_404(
        InboundAttachment, message=message, pk=attachment_pk, refused_reason=""
    )
    if not attachment.file:
        raise Http404
    try:
        content = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # The stored name's extension is the kind the upload rules detected:
    # the name the customer gave, with that extension.
    stored = attachment.file.name
    extension = stored.rpartition(".")[2].lower() if "." in stored else ""
    return attachment_response(
        content,
        filename=safe_filename(attachment.filename or "documento", extension=extension),
        content_type=content_type_for(stored),
    )


@login_required
def message_raw(request, pk):
    """The message as it came (the .eml, the webhook's JSON): the team lead's,
    to look into what the parser made of it."""
    message = selectors.message_for(request.user, pk)
    if not selectors.sees_every_triage(request.user):
        raise Http404
    if not message.raw:
        raise Http404
    try:
        content = message.raw.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = message.raw.name.rsplit("/", 1)[-1]
    content_type = "message/rfc822" if name.lower().endswith(".eml") else "application/json"
    return attachment_response(content, filename=name, content_type=content_type)
