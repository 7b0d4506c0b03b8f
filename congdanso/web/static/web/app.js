// Registers the service worker (offline page, installable app). Push subscription is asked for only after
// the resident agrees, never here.
(function () {
  "use strict";
  var script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).then(function (reg) {
        document.documentElement.dataset.swRegistered = "1";
        // Nobody signed in on this page: the worker forgets the pages it kept for the last account.
        if (document.body.dataset.signedIn === "0" && reg.active) reg.active.postMessage({ type: "cds-forget-pages" });
      }).catch(function (err) { console.warn("service worker not registered", err); });
    });
  }
})();
