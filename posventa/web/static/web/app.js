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
