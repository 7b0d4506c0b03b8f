// Offline drafts of incident reports, shared by the page and the service worker (importScripts).
// A draft is the form's fields and photos, kept in IndexedDB; flush() posts each one with its idempotency key, so a
// draft sent twice (page and worker, or a retry after a lost answer) still makes one report.
(function (root) {
  "use strict";
  var DB = "cds-drafts", STORE = "reports", flushing = null;

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
  function save(draft) { return run("readwrite", function (s) { return s.put(draft); }); }
  function all() { return run("readonly", function (s) { return s.getAll(); }); }
  function remove(key) { return run("readwrite", function (s) { return s.delete(key); }); }

  function fromForm(form) {
    var data = new FormData(form), fields = [], files = [];
    data.forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
      else if (value && value.size) files.push({ field: name, name: value.name, type: value.type, blob: value });
    });
    var key = data.get("idempotency_key");
    return { key: key, url: form.action || root.location.href, fields: fields, files: files, savedAt: Date.now() };
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

  function send(draft) {
    var body = new FormData();
    draft.fields.forEach(function (f) { body.append(f[0], f[1]); });
    draft.files.forEach(function (f) { body.append(f.field, f.blob, f.name); });
    var csrf = "";
    draft.fields.forEach(function (f) { if (f[0] === "csrfmiddlewaretoken") csrf = f[1]; });
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

  function flush() {
    if (flushing) return flushing;
    flushing = all().then(function (drafts) {
      return drafts.reduce(function (chain, draft) {
        return chain.then(function () { return send(draft).catch(function () { return "keep"; }); });
      }, Promise.resolve());
    }).then(function () { flushing = null; }, function () { flushing = null; });
    return flushing;
  }

  root.CdsDrafts = { save: save, all: all, remove: remove, fromForm: fromForm, flush: flush };

  if (root.ServiceWorkerGlobalScope && root instanceof root.ServiceWorkerGlobalScope) {
    root.addEventListener("sync", function (event) {
      if (event.tag === "cds-report-drafts") event.waitUntil(flush());
    });
    root.addEventListener("message", function (event) {
      if (event.data && event.data.type === "cds-flush-drafts") event.waitUntil(flush());
    });
  }
})(self);
