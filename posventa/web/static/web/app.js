// htmx leaves the page as it was when the server refuses (4xx, 5xx) or cannot
// be reached; without a word, the person would think the click got lost.
// The texts come translated from data attributes on <body>.
(function () {
  "use strict";
  var texts = document.body.dataset;

  function box() {
    return document.getElementById("page-alerts");
  }

  function show(text) {
    var container = box();
    if (!container) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-danger alert-dismissible fade show";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", texts.closeText || "");
    alert.appendChild(close);
    container.replaceChildren(alert);
    alert.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:beforeRequest", function () {
    var container = box();
    if (container) container.replaceChildren();
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 403) show(texts.forbiddenText);
    else if (status === 404) show(texts.notFoundText);
    else show(texts.serverErrorText);
  });
  document.addEventListener("htmx:sendError", function () {
    show(texts.offlineText);
  });
  // A form that came back with errors: take the person to the first field to fix.
  // Otherwise keep the keyboard where it was: the swap removed the focused
  // button, which would drop focus to the top of the page.
  // (With an outerHTML swap the event's target is the element that was replaced.)
  document.addEventListener("htmx:afterSettle", function (event) {
    var id = event.detail.target && event.detail.target.id;
    var root = id && document.getElementById(id);
    if (!root) return;
    var invalid = root.querySelector(".is-invalid");
    if (invalid) {
      invalid.focus();
    } else if (document.activeElement === document.body) {
      var submit = root.querySelector("button[type=submit]");
      if (submit) submit.focus({ preventScroll: true });
    }
  });
})();

// --- clicks that answer (issue 15) ---------------------------------------------
// A submit button, once pressed, is disabled and shows a spinner until the
// answer comes: a slow step (printing the order request takes seconds) cannot
// be sent twice by a second click, and the person sees that work is under
// way. The server refuses a second submission anyway; this is the feedback.
// Plain forms: on submit (after any handler that stopped it). htmx forms: for
// the request's duration. Opt out with data-no-busy on the form or button.
(function () {
  "use strict";
  var BUSY = "data-busy";
  var sending = typeof WeakSet === "function" ? new WeakSet() : null;

  function submitsOf(form) {
    var inside = Array.prototype.slice.call(
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")
    );
    if (form.id) {
      var outside = document.querySelectorAll(
        "button[form='" + form.id + "'], input[type=submit][form='" + form.id + "']"
      );
      inside = inside.concat(Array.prototype.slice.call(outside));
    }
    return inside;
  }

  function spinner() {
    var span = document.createElement("span");
    span.className = "spinner-border spinner-border-sm me-1";
    span.setAttribute("aria-hidden", "true");
    span.setAttribute("data-busy-spinner", "");
    return span;
  }

  function busy(form, submitter) {
    if (form.hasAttribute("data-no-busy")) return;
    if (submitter && submitter.hasAttribute("data-no-busy")) return;
    form.setAttribute(BUSY, "");
    form.setAttribute("aria-busy", "true");
    submitsOf(form).forEach(function (button) {
      if (button.disabled) return;
      button.disabled = true;
      button.setAttribute(BUSY, "");
    });
    var shown = submitter || submitsOf(form)[0];
    if (shown && shown.tagName === "BUTTON" && !shown.querySelector("[data-busy-spinner]")) {
      shown.insertBefore(spinner(), shown.firstChild);
    }
  }

  function idle(form) {
    if (!form.hasAttribute(BUSY)) return;
    form.removeAttribute(BUSY);
    form.removeAttribute("aria-busy");
    submitsOf(form).forEach(function (button) {
      // The spinner goes from every button (one htmx disabled itself too).
      var mark = button.querySelector("[data-busy-spinner]");
      if (mark) mark.remove();
      if (!button.hasAttribute(BUSY)) return;
      button.disabled = false;
      button.removeAttribute(BUSY);
    });
  }

  // Plain forms. The buttons are disabled once the submit event is over:
  // by then the browser has taken the form's values, the pressed button's
  // name and value among them (a button disabled earlier would not be
  // posted), and every other handler had its chance to stop the submission
  // (a confirmation refused leaves the buttons as they were).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.hasAttribute(BUSY) || (sending && sending.has(form))) {
      event.preventDefault(); // a second click while the first is on its way
      return;
    }
    if (form.target && form.target !== "_self") return; // another window: this page stays usable
    var submitter = event.submitter;
    if (sending) sending.add(form);
    window.setTimeout(function () {
      if (sending) sending.delete(form);
      if (event.defaultPrevented) return; // stopped, or htmx sends it (below)
      busy(form, submitter);
      // A download answers without leaving the page: the buttons come back.
      window.setTimeout(function () {
        idle(form);
      }, 15000);
    }, 0);
  });

  // Back to this page from the browser's cache: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[" + BUSY + "]").forEach(idle);
  });

  // htmx forms: busy for the request's duration (the values are already taken).
  function htmxForm(event) {
    var elt = event.detail && event.detail.elt;
    return elt instanceof HTMLFormElement ? elt : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = htmxForm(event);
    if (!form) return;
    var config = event.detail.requestConfig;
    var trigger = config && config.triggeringEvent;
    busy(form, trigger && trigger.submitter);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = htmxForm(event);
    if (form) idle(form);
  });
})();
// --- end of clicks that answer ----------------------------------------------------
