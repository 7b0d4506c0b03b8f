// The confirmation page: copy the tracking code (the button shows only where the clipboard can be written).
(function () {
  "use strict";
  var button = document.getElementById("copy-code");
  var status = document.getElementById("copy-status");
  if (!button || !navigator.clipboard || !window.isSecureContext) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.dataset.code).then(function () {
      status.textContent = button.dataset.copied;
    }, function () { status.textContent = button.dataset.failed; });
  });
})();
