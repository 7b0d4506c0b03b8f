// Keeps the unread badge in the header current: at once when the service worker receives a push, when the page
// comes back into view, and every 30 s while it is visible.
(function () {
  "use strict";
  var badge = document.getElementById("inbox-badge");
  if (!badge || badge.dataset.live) return;
  badge.dataset.live = "1";
  var count = badge.querySelector(".inbox-count");
  var spoken = badge.querySelector("[data-unread-text]");
  var unreadWord = " " + (badge.dataset.unreadWord || "");

  function show(n) {
    count.textContent = String(n);
    count.hidden = n === 0;
    spoken.textContent = n ? " " + n + unreadWord : "";
  }

  function refresh() {
    fetch(badge.dataset.countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && typeof data.unread === "number") show(data.unread); })
      .catch(function () { /* offline: keep the last count */ });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "cds-push") refresh();
    });
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  setInterval(function () { if (!document.hidden) refresh(); }, 30000);
  window.cdsRefreshBadge = refresh;
})();
