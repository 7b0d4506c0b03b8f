// Preferences page, on top of the server-rendered forms (everything works without this): focus the error summary
// when the page comes back with errors, and make its links focus the field they name (opening a closed
// "use another address" disclosure first), as the GOV.UK error summary does.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) return;
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    var details = target.closest("details");
    if (details) details.open = true;
    var label = document.querySelector("label[for='" + target.id + "']");
    (label || target).scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
  summary.focus();
})();
