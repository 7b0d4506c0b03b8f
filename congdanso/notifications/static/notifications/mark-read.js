// A notification's page marks it read with its own POST once a person actually has it on screen: a GET of the page
// changes nothing, so link prefetchers, mail scanners and previews never mark anything read.
(function () {
  "use strict";
  function markRead() {
    var form = document.querySelector("form[data-mark-read]");
    if (!form || document.hidden) return;
    var url = form.getAttribute("data-mark-read");
    form.removeAttribute("data-mark-read");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
    }).catch(function () { /* offline: the button still marks it read */ });
  }
  document.addEventListener("DOMContentLoaded", markRead);
  document.addEventListener("visibilitychange", markRead);
})();
