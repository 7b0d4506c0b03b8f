// Offline drafts of incident reports, shared by the page and the service worker (importScripts).
// A draft is the form's fields and photos, kept in IndexedDB; flush() posts each one with its idempotency key, so a
// draft sent twice (page and worker, or a retry after a lost answer) still makes one report.
// Each draft carries the marker of the account that wrote it (data-draft-owner, see accounts/markers.py): flush()
// sends only the drafts of the account signed in now (asked of /auth/draft-owner when not on the page), so on a
// shared phone a draft is never sent under someone else's account. While drafts are kept, the cds_drafts cookie
// tells the logout view to ask the resident whether to delete them from the device (the logout page's form).
(function (root) {
  "use strict";
  var DB = "cds-drafts", STORE = "reports", COOKIE = "cds_drafts", flushing = null;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = root.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function run(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result;
        var store = tx.objectStore(STORE);
        var req = fn(store);
        if (req) req.onsuccess = function () { result = req.result; };
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function save(draft) {
    return run("readwrite", function (s) { return s.put(draft); }).then(function (result) { mark(true); return result; });
  }
  function all() { return run("readonly", function (s) { return s.getAll(); }); }
  function remove(key) { return run("readwrite", function (s) { return s.delete(key); }); }

  function fromForm(form) {
    var data = new FormData(form), fields = [], files = [];
    data.forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
      else if (value && value.size) files.push({ field: name, name: value.name, type: value.type, blob: value });
    });
    var key = data.get("idempotency_key");
    return { key: key, url: form.action || root.location.href, fields: fields, files: files, savedAt: Date.now(),
             owner: form.getAttribute("data-draft-owner") || "" };
  }

  function mark(kept) {  // page only: the service worker has no cookies to set
    if (!root.document) return;
    root.document.cookie = COOKIE + "=" + (kept ? "1; max-age=31536000" : "; max-age=0") + "; path=/; SameSite=Lax" +
      (root.location.protocol === "https:" ? "; Secure" : "");
  }

  // Who is signed in now and a CSRF token of this session (a draft's own token is stale once its author signed out
  // and in again): from the page when it says, else asked of the server; null when unknown (offline).
  function current() {
    var doc = root.document, onPage = doc && doc.querySelector("[data-draft-owner]");
    var token = doc && doc.querySelector("input[name=csrfmiddlewaretoken]");
    if (onPage && token) return Promise.resolve({ owner: onPage.getAttribute("data-draft-owner") || "", csrf: token.value });
    return fetch("/auth/draft-owner", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { return data && typeof data.owner === "string" ? data : null; })
      .catch(function () { return null; });
  }

  function mine(draft, owner) { return typeof draft.owner === "string" && draft.owner === owner; }

  function ownedBy(owner) {
    return all().then(function (drafts) { return drafts.filter(function (d) { return mine(d, owner); }); });
  }

  // Delete this account's drafts (and any from before drafts had an owner) from the device.
  function clearFor(owner) {
    return all().then(function (drafts) {
      var gone = drafts.filter(function (d) { return mine(d, owner) || typeof d.owner !== "string"; });
      return Promise.all(gone.map(function (d) { return remove(d.key); })).then(function () {
        if (gone.length === drafts.length) mark(false);
        return gone.length;
      });
    });
  }

  function tell(message) {
    if (root.clients && root.clients.matchAll) {
      root.clients.matchAll({ includeUncontrolled: true }).then(function (list) {
        list.forEach(function (c) { c.postMessage(message); });
      });
    } else if (root.dispatchEvent && root.CustomEvent) {
      root.dispatchEvent(new CustomEvent("cds-draft", { detail: message }));
    }
  }

  function send(draft, csrf) {
    var body = new FormData();
    draft.fields.forEach(function (f) { if (f[0] !== "csrfmiddlewaretoken") body.append(f[0], f[1]); });
    draft.files.forEach(function (f) { body.append(f.field, f.blob, f.name); });
    return fetch(draft.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf, "Idempotency-Key": draft.key }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (!json) return "keep";  // logged out or a proxy page: try again later
      return response.json().then(function (data) {
        if (response.ok) {
          return remove(draft.key).then(function () { tell({ type: "cds-draft-sent", code: data.code, url: data.url }); return "sent"; });
        }
        if (response.status === 429 || response.status >= 500) return "keep";
        return remove(draft.key).then(function () { tell({ type: "cds-draft-failed", message: data.message }); return "failed"; });
      });
    });
  }

  // Send the drafts of the account signed in now; the others wait for their own account (or the logout question).
  function flush() {
    if (flushing) return flushing;
    flushing = current().then(function (now) {
      if (now === null) return null;  // cannot tell who is signed in: send nothing
      return ownedBy(now.owner).then(function (drafts) {
        return drafts.reduce(function (chain, draft) {
          return chain.then(function () { return send(draft, now.csrf).catch(function () { return "keep"; }); });
        }, Promise.resolve());
      });
    }).then(function () {
      return all().then(function (left) { if (!left.length) mark(false); });
    }).then(function () { flushing = null; }, function () { flushing = null; });
    return flushing;
  }

  // The logout page (accounts/logout_drafts.html): delete this account's drafts when the resident chooses to.
  function wireLogout() {
    var form = root.document && root.document.querySelector("form[data-drafts-logout]");
    if (!form) return;
    var owner = form.getAttribute("data-drafts-logout") || "";
    ownedBy(owner).then(function (drafts) {
      var count = form.querySelector("[data-draft-count]");
      if (count) { count.textContent = "(" + drafts.length + ")"; count.hidden = false; }
    }).catch(function () {});
    form.addEventListener("submit", function (event) {
      var chosen = form.querySelector("input[name=drafts]:checked");
      if (!chosen || chosen.value !== "clear" || form.dataset.cleared) return;
      event.preventDefault();
      clearFor(owner).catch(function () {}).then(function () { form.dataset.cleared = "1"; form.submit(); });
    });
  }

  root.CdsDrafts = { save: save, all: all, remove: remove, fromForm: fromForm, flush: flush, ownedBy: ownedBy,
                     clearFor: clearFor, current: current };

  if (root.document) {
    if (root.document.readyState === "loading") root.document.addEventListener("DOMContentLoaded", wireLogout);
    else wireLogout();
  }

  if (root.ServiceWorkerGlobalScope && root instanceof root.ServiceWorkerGlobalScope) {
    root.addEventListener("sync", function (event) {
      if (event.tag === "cds-report-drafts") event.waitUntil(flush());
    });
    root.addEventListener("message", function (event) {
      if (event.data && event.data.type === "cds-flush-drafts") event.waitUntil(flush());
    });
  }
})(self);
