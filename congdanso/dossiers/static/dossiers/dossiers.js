// Dossier pages: the print button of the receipt (the page prints from the browser's menu without this file).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
