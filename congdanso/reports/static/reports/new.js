// The new-report form: category search, location by map / "use my location" / ward picker, nearby duplicates,
// and submission that survives a lost connection (draft kept offline, sent by the service worker when back).
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var status = document.getElementById("form-status");
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var locText = document.getElementById("location-text");
  var category = document.getElementById("category");
  var marker = null, map = null;

  function say(text, isError) {
    status.textContent = text;
    status.className = "message" + (isError ? " error" : "");
  }
  function fold(s) {
    return (s || "").toLowerCase().replace(/đ/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // Category search: hide options that do not match every typed word.
  var search = document.getElementById("category-search");
  search.addEventListener("input", function () {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    var first = null;
    Array.prototype.forEach.call(category.querySelectorAll("option[data-folded]"), function (o) {
      var have = (o.dataset.folded + " " + fold(o.parentNode.label)).split(/[^a-z0-9]+/);
      var ok = words.every(function (w) { return have.some(function (h) { return h.indexOf(w) === 0; }); });
      o.hidden = !ok; o.disabled = !ok;
      if (ok && !first) first = o;
    });
    Array.prototype.forEach.call(category.querySelectorAll("optgroup"), function (g) {
      g.hidden = !g.querySelector("option:not([hidden])");
    });
    if (first && words.length) { category.value = first.value; category.dispatchEvent(new Event("change")); }
  });

  function setPoint(la, lo, fromMap) {
    lat.value = la.toFixed(6); lon.value = lo.toFixed(6);
    locText.textContent = form.dataset.located + ": " + lat.value + ", " + lon.value;
    if (map) {
      // A drawn marker: no icon image to find (hashed static names would defeat Leaflet's icon path guess).
      if (!marker) marker = L.circleMarker([la, lo], { radius: 10, color: "#b71c1c", weight: 3, fillOpacity: 0.6 }).addTo(map);
      else marker.setLatLng([la, lo]);
      if (!fromMap) map.setView([la, lo], 17);
    }
    nearby();
  }

  var mapEl = document.getElementById("pick-map");
  if (typeof L !== "undefined" && mapEl) {
    map = L.map(mapEl).setView([10.7769, 106.7009], 13);
    if (form.dataset.tileUrl) {
      L.tileLayer(form.dataset.tileUrl, { maxZoom: 19, attribution: form.dataset.attribution }).addTo(map);
    } else { mapEl.classList.add("no-tiles"); }
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, true); });
    if (lat.value && lon.value) setPoint(parseFloat(lat.value), parseFloat(lon.value), false);
  } else if (mapEl) { mapEl.hidden = true; }

  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { say(form.dataset.locateFailed, true); return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint(pos.coords.latitude, pos.coords.longitude, false);
    }, function () { say(form.dataset.locateFailed, true); }, { enableHighAccuracy: true, timeout: 10000 });
  });

  var nearbyBox = document.getElementById("nearby"), nearbyTimer = null;
  function nearby() {
    clearTimeout(nearbyTimer);
    nearbyTimer = setTimeout(function () {
      if (!category.value || !lat.value || !navigator.onLine) { nearbyBox.innerHTML = ""; return; }
      var q = new URLSearchParams({ category: category.value, lat: lat.value, lon: lon.value });
      fetch(form.dataset.nearbyUrl + "?" + q.toString()).then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { nearbyBox.innerHTML = html; }).catch(function () {});
    }, 300);
  }
  // Extra questions of the chosen category only (without script every set shows, labelled by category).
  function showAttributes() {
    Array.prototype.forEach.call(form.querySelectorAll("fieldset.attrs"), function (set) {
      var on = set.dataset.category === category.value;
      set.hidden = !on;
      Array.prototype.forEach.call(set.querySelectorAll("input, select, textarea"), function (el) { el.disabled = !on; });
    });
  }
  category.addEventListener("change", function () { showAttributes(); nearby(); });
  showAttributes();

  function askWorkerToFlush() {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "cds-flush-drafts" });
    } else if (window.CdsDrafts) {
      window.CdsDrafts.flush();
    }
  }
  function keepDraft() {
    var draft = window.CdsDrafts.fromForm(form);
    return window.CdsDrafts.save(draft).then(function () {
      say(form.dataset.offlineSaved, false);
      form.dataset.draft = "saved";
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync) return reg.sync.register("cds-report-drafts");
        }).catch(function () {});
      }
    });
  }
  function onMessage(data) {
    if (!data) return;
    if (data.type === "cds-draft-sent") {
      say(form.dataset.sent + " " + data.code, false);
      form.dataset.draft = "sent";
      var link = document.createElement("a");
      link.href = data.url; link.textContent = data.code; link.dataset.testid = "sent-link";
      status.appendChild(document.createTextNode(" ")); status.appendChild(link);
    } else if (data.type === "cds-draft-failed") {
      say(data.message, true);
    }
  }
  if (navigator.serviceWorker) navigator.serviceWorker.addEventListener("message", function (e) { onMessage(e.data); });
  window.addEventListener("cds-draft", function (e) { onMessage(e.detail); });
  window.addEventListener("online", askWorkerToFlush);
  if (navigator.onLine && window.CdsDrafts) {
    window.CdsDrafts.all().then(function (d) { if (d && d.length) askWorkerToFlush(); }).catch(function () {});
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData || !window.CdsDrafts) return;  // plain form post
    event.preventDefault();
    if (!navigator.onLine) { keepDraft(); return; }
    var button = document.getElementById("submit");
    button.disabled = true;
    say(form.dataset.sending, false);
    fetch(form.action || window.location.href, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) { window.location.assign(data.url); return; }
        button.disabled = false;
        say(data.message || "", true);
      });
    }).catch(function () { button.disabled = false; keepDraft(); });
  });
})();
