/* Công Dân Số service worker: keeps an offline page and the app shell; pages are network-first. */

/* Incident reports: offline drafts (IndexedDB) sent when the connection returns (reports/static/reports/drafts.js). */
try { importScripts("/static/reports/drafts.js"); } catch (e) { /* drafts stay on the page until it loads */ }
const VERSION = "cds-v1";
const SHELL = ["/offline", "/static/web/app.css", "/static/web/app.js", "/static/web/icons/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline")));
    return;
  }
  if (request.url.includes("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
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
