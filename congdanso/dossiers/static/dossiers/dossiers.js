// Dossier pages: the print button of the receipt, the error summary taking the focus, and a warning beside a file
// input when the chosen file is over the size limit. Every page works without this file (the server checks all).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  document.querySelectorAll("form.documents-form").forEach(function (form) {
    var limit = parseInt(form.dataset.maxBytes || "0", 10);
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      var status = input.parentNode.querySelector(".file-status");
      input.addEventListener("change", function () {
        if (!status || !limit) { return; }
        var big = Array.prototype.filter.call(input.files || [], function (f) { return f.size > limit; });
        status.textContent = big.length ? big.map(function (f) { return f.name; }).join(", ") + ": " +
          form.dataset.tooLarge : "";
      });
    });
  });
}());
