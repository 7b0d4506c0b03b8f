/* Công Dân Số service worker: keeps an offline page and the app shell; pages are network-first. */

/* Incident reports: offline drafts (IndexedDB) sent when the connection returns (reports/static/reports/drafts.js). */
try { importScripts("/static/reports/drafts.js"); } catch (e) { /* drafts stay on the page until it loads */ }
const VERSION = "cds-v2";
const SHELL = ["/offline", "/static/web/icons/icon.svg"];
// Pages kept for offline use, each refreshed whenever it loads online: the new-report form, so that a report can
// be started without a connection (its drafts are sent later, under the account that wrote them).
const OFFLINE_PAGES = ["/phan-anh/gui"];
const ASSET = /(?:href|src)="(\/static\/[^"]+)"/g;

// The offline page and every file it names (its hashed style sheet and scripts): the page keeps the site's look.
function keepWithAssets(cache, url) {
  return fetch(url, { credentials: "same-origin" }).then((response) => {
    if (!response.ok) return undefined;
    return response.clone().text().then((html) => {
      const assets = Array.from(html.matchAll(ASSET), (m) => m[1]);
      return cache.put(url, response).then(() => Promise.all(assets.map((a) => cache.add(a).catch(() => undefined))));
    });
  });
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => Promise.all([
    cache.addAll(SHELL.filter((u) => u !== "/offline")), keepWithAssets(cache, "/offline"),
  ])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    const keep = OFFLINE_PAGES.includes(url.pathname) && !url.search;
    event.respondWith(fetch(request).then((response) => {
      if (keep && response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(VERSION).then((cache) => cache.put(url.pathname, copy));
      }
      return response;
    }).catch(() => (keep ? caches.match(url.pathname) : Promise.resolve(undefined))
      .then((hit) => hit || caches.match("/offline"))));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    // Hashed names never change: the cache first, and every file fetched online is kept for offline use.
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(VERSION).then((cache) => cache.put(request, copy));
      }
      return response;
    })));
  }
});

// A page shown to nobody signed in (after logout, a shared phone) asks to forget the pages kept for the last account.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "cds-forget-pages") {
    caches.open(VERSION).then((cache) => Promise.all(OFFLINE_PAGES.map((p) => cache.delete(p))));
  }
});

/* Web Push (notifications app): show the message, confirm receipt, tell open pages to refresh the badge. */
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data && event.data.text() }; }
  const title = data.title || "Công Dân Số";
  const options = {
    body: data.body || "",
    tag: data.tag || undefined, // the same notification sent twice replaces itself instead of showing twice
    renotify: false,
    requireInteraction: Boolean(data.urgent),
    icon: "/static/web/icons/icon-192.png",
    badge: "/static/web/icons/icon-192.png",
    lang: data.lang || undefined,
    data: { url: data.url || "/notifications/", id: data.id },
  };
  event.waitUntil(Promise.all([
    self.registration.showNotification(title, options),
    data.d && data.r ? fetch("/api/v1/push/receipts", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ d: data.d, r: data.r }),
    }).catch(() => undefined) : Promise.resolve(),
    self.clients.matchAll({ type: "window", includeUncontrolled: true })
      .then((list) => list.forEach((client) => client.postMessage({ type: "cds-push", id: data.id }))),
  ]));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  // Open the notification's page: it marks itself read with its own POST and links to the case page.
  const target = new URL(data.id ? `/notifications/${data.id}/` : (data.url || "/notifications/"), self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
      for (const client of list) {
        if (new URL(client.url).origin === self.location.origin && "navigate" in client) {
          return client.navigate(target).then((c) => (c || client).focus());
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
