// Web Push subscription, on the preferences page only. The browser's permission prompt appears only after the
// resident presses "Bật thông báo đẩy" (never on page load); the subscription is then stored for the account.
(function () {
  "use strict";
  var section = document.getElementById("push-section");
  if (!section) return;
  var enable = document.getElementById("push-enable");
  var disable = document.getElementById("push-disable");
  var status = document.getElementById("push-status");

  // Each message in its tone: "on"/"off" confirm, "dismissed" and "unsupported" inform, the rest warn or fail.
  var TONES = { msgOn: "", msgOff: "", msgDismissed: "info", msgUnsupported: "info", msgBlocked: "warning",
                msgError: "error" };
  function say(key) {
    status.textContent = status.dataset[key] || "";
    status.className = status.textContent ? ("message " + (TONES[key] || "")).trim() : "";
    status.dataset.state = key;
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }
    }).then(function (r) {
      if (!r.ok) return r.json().catch(function () { return {}; }).then(function (e) { throw new Error(e.message || r.status); });
      return r.json();
    });
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function showState(subscribed) {
    enable.hidden = subscribed;
    disable.hidden = !subscribed;
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    enable.hidden = true;  // nothing the resident can do here: say so, offer no button that cannot work
    say("msgUnsupported");
    return;
  }
  if (Notification.permission === "denied") {  // blocked earlier, in this browser's site settings
    enable.disabled = true;
    say("msgBlocked");
  }
  navigator.serviceWorker.ready.then(function (reg) {
    return reg.pushManager.getSubscription();
  }).then(function (sub) {
    if (sub && Notification.permission === "granted") {
      showState(true);
      // Tie an existing browser subscription to this account and session (e.g. after logging in again).
      post(section.dataset.subscribeUrl, sub.toJSON()).catch(function () {});
    }
  });

  enable.addEventListener("click", function () {
    enable.disabled = true;
    Notification.requestPermission().then(function (permission) {
      // "denied": the resident (or a policy) blocked it; "default": the prompt was closed without an answer.
      if (permission !== "granted") { say(permission === "denied" ? "msgBlocked" : "msgDismissed"); throw null; }
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      return reg.pushManager.getSubscription().then(function (existing) {
        return existing || reg.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(section.dataset.publicKey)
        });
      });
    }).then(function (sub) {
      return post(section.dataset.subscribeUrl, sub.toJSON());
    }).then(function () {
      showState(true);
      say("msgOn");
      document.documentElement.dataset.pushSubscribed = "1";
    }).catch(function (err) {
      if (err) { console.warn("push subscription failed", err); say("msgError"); }
    }).then(function () { enable.disabled = Notification.permission === "denied"; });
  });

  disable.addEventListener("click", function () {
    navigator.serviceWorker.ready.then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (sub) {
      if (!sub) return null;
      var json = sub.toJSON();
      return sub.unsubscribe().then(function () { return post(section.dataset.unsubscribeUrl, json); });
    }).then(function () { showState(false); say("msgOff"); })
      .catch(function (err) { console.warn(err); say("msgError"); });
  });
})();
