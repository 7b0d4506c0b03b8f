// Maps of incident reports: the public map (clusters when zoomed out, single reports at street zoom, from the
// JSON API) and the small map on a report's page. Works without tiles: the base layer is optional.
(function () {
  "use strict";
  function baseLayer(map, el) {
    var url = el.dataset.tileUrl;
    function unavailable() {
      // No base map (none configured, offline, tile server down): no grey box credited to a tile server; say so.
      el.classList.add("no-tiles");
      var before = el.previousElementSibling;
      if (el.dataset.unavailable && !(before && before.classList.contains("map-unavailable"))) {
        var note = document.createElement("p");
        note.className = "message warning map-unavailable";
        note.textContent = el.dataset.unavailable;
        el.parentNode.insertBefore(note, el);
      }
    }
    if (!url || !navigator.onLine) { unavailable(); return; }
    var loaded = 0, failed = 0;
    var tiles = L.tileLayer(url, { maxZoom: 19, attribution: el.dataset.attribution || "" });
    tiles.on("tileload", function () { loaded += 1; });
    tiles.on("tileerror", function () {
      failed += 1;
      if (!loaded && failed >= 2 && map.hasLayer(tiles)) { map.removeLayer(tiles); unavailable(); }
    });
    tiles.addTo(map);
  }
  function bounds(text) {
    var p = (text || "106.35,8.55,107.65,11.6").split(",").map(Number);
    return [[p[1], p[0]], [p[3], p[2]]];
  }
  function detailMap(el) {
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    var map = L.map(el, { scrollWheelZoom: false }).setView([lat, lon], 17);
    baseLayer(map, el);
    L.circleMarker([lat, lon], { radius: 9, color: "#b71c1c", weight: 3, fillOpacity: 0.6 }).addTo(map);
  }
  function publicMap(el) {
    var map = L.map(el, { scrollWheelZoom: false });
    map.fitBounds([[10.70, 106.60], [10.85, 106.78]]);
    baseLayer(map, el);
    var layer = L.layerGroup().addTo(map);
    var pending = null;
    function load() {
      var b = map.getBounds();
      var params = new URLSearchParams({
        bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (n) { return n.toFixed(5); }).join(","),
        zoom: String(map.getZoom())
      });
      if (el.dataset.status) params.set("status", el.dataset.status);
      if (el.dataset.category) params.set("category", el.dataset.category);
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(el.dataset.api + "?" + params.toString(), { signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          layer.clearLayers();
          (data.clusters || []).forEach(function (c) {
            var size = Math.min(56, 24 + Math.round(Math.log(c.count + 1) * 5));
            // Leaflet sizes the icon box (iconSize); the inner div fills it, so no style attribute is needed (CSP).
            var icon = L.divIcon({ className: "", html: '<div class="cluster-icon">' + c.count + "</div>", iconSize: [size, size] });
            L.marker([c.lat, c.lon], { icon: icon, keyboard: false }).on("click", function () {
              map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 18));
            }).addTo(layer);
          });
          (data.points || []).forEach(function (p) {
            var link = el.dataset.detail.replace("CODE", encodeURIComponent(p.code));
            var a = document.createElement("a");
            a.href = link; a.textContent = p.code;
            L.circleMarker([p.lat, p.lon], { radius: 7, color: "#b71c1c", weight: 2, fillOpacity: 0.7 })
              .bindPopup(a).addTo(layer);
          });
        }).catch(function () {});
    }
    map.on("moveend", load);
    load();
  }
  function start() {
    if (typeof L === "undefined") return;
    var d = document.getElementById("detail-map");
    if (d) detailMap(d);
    var p = document.getElementById("public-map");
    if (p) publicMap(p);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
