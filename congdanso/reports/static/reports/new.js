// The new-report form: location by map / keyboard / "use my location" / ward picker (the ward of a pin is shown
// back), photo previews, nearby duplicates, errors shown all at once (summary + beside each field), and submission
// that survives a lost connection (draft kept offline, sent by the service worker when back). The category box is
// combobox.js. The hotline officer's form (reports/staff_new.html) runs it too: no "use my location" there, the ward
// is a search box (combobox.js), and without drafts.js the form is posted as it is.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var status = document.getElementById("form-status");
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var locText = document.getElementById("location-text");
  var wardText = document.getElementById("ward-text");
  var ward = form.querySelector("select[name=ward]");  // a search box may have taken its id (combobox.js)
  var category = form.querySelector("select[name=category]");
  var marker = null, map = null;

  function say(text, isError) {
    status.textContent = text;
    status.className = text ? "message" + (isError ? " error" : "") : "";
  }
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }

  // --- errors: a summary at the top linking to each field, a message beside each field ---
  function clearErrors() {
    var old = document.getElementById("error-summary");
    if (old) old.parentNode.removeChild(old);
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (p) {
      var target = form.querySelector('[aria-describedby~="' + p.id + '"]');
      p.parentNode.removeChild(p);
      if (target) {
        var rest = target.getAttribute("aria-describedby").split(/\s+/).filter(function (t) { return t && t !== p.id; });
        if (rest.length) target.setAttribute("aria-describedby", rest.join(" "));
        else target.removeAttribute("aria-describedby");
      }
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
    Array.prototype.forEach.call(form.querySelectorAll(".has-error"), function (el) { el.classList.remove("has-error"); });
  }
  function describe(el, id) {
    var now = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (now.indexOf(id) < 0) now.push(id);
    el.setAttribute("aria-describedby", now.join(" "));
  }
  function linkSummary(box) {
    box.addEventListener("click", function (e) {
      var a = e.target.closest("a[href^='#']");
      if (!a) return;
      var target = document.getElementById(a.getAttribute("href").slice(1));
      if (!target) return;
      e.preventDefault();
      var label = form.querySelector('label[for="' + target.id + '"]') || target;
      label.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }
  function showErrors(errors) {
    clearErrors();
    var box = document.createElement("div");
    box.className = "error-summary";
    box.id = "error-summary";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    box.setAttribute("aria-labelledby", "error-summary-title");
    box.dataset.testid = "error-summary";
    var h = document.createElement("h2");
    h.id = "error-summary-title";
    h.textContent = form.dataset.summaryTitle;
    var ul = document.createElement("ul");
    var seen = {};
    errors.forEach(function (err) {
      var li = document.createElement("li");
      var target = err.id ? document.getElementById(err.id) : null;
      if (target) {
        var a = document.createElement("a");
        a.href = "#" + err.id;
        a.textContent = err.message;
        li.appendChild(a);
      } else { li.textContent = err.message; }
      ul.appendChild(li);
      if (!target || seen[err.id]) return;
      seen[err.id] = true;
      var p = document.createElement("p");
      p.className = "field-error";
      p.id = (err.field === "location" || err.field === "ward" ? "location" : err.id) + "-error";
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = form.dataset.errorPrefix + " ";
      p.appendChild(hidden);
      p.appendChild(document.createTextNode(err.message));
      if (err.field === "location" || err.field === "ward") {
        var help = document.getElementById("map-help");
        help.parentNode.insertBefore(p, help.nextSibling);
        describe(document.getElementById("location-field"), p.id);
        document.getElementById("location-field").classList.add("has-error");
      } else {
        var wrapper = target.closest(".field");
        var anchor = wrapper && (wrapper.querySelector(":scope > .help") || wrapper.querySelector(":scope > label"));
        var before = anchor && anchor.nextSibling;
        if (wrapper && before) wrapper.insertBefore(p, before); else target.parentNode.insertBefore(p, target);
        if (wrapper) wrapper.classList.add("has-error");
      }
      target.setAttribute("aria-invalid", "true");
      describe(target, p.id);
    });
    box.appendChild(h);
    box.appendChild(ul);
    var heading = form.parentNode.querySelector("h1");
    heading.parentNode.insertBefore(box, heading);
    linkSummary(box);
    box.focus();
  }
  // A field the resident has just corrected loses its message (and its line in the summary): no stale errors.
  function clearField(errorId, anchorId) {
    var p = document.getElementById(errorId);
    if (!p) return;
    var owner = form.querySelector('[aria-describedby~="' + errorId + '"]');
    p.parentNode.removeChild(p);
    Array.prototype.forEach.call(form.querySelectorAll('[aria-describedby~="' + errorId + '"]'), function (el) {
      var rest = el.getAttribute("aria-describedby").split(/\s+/).filter(function (t) { return t && t !== errorId; });
      if (rest.length) el.setAttribute("aria-describedby", rest.join(" ")); else el.removeAttribute("aria-describedby");
      el.removeAttribute("aria-invalid");
    });
    var target = document.getElementById(anchorId);
    if (target) target.removeAttribute("aria-invalid");
    var wrapper = (owner || target) && (owner || target).closest(".has-error");
    if (wrapper) wrapper.classList.remove("has-error");
    var summary = document.getElementById("error-summary");
    if (summary) {
      var link = summary.querySelector('a[href="#' + anchorId + '"]');
      if (link) link.parentNode.parentNode.removeChild(link.parentNode);
      if (!summary.querySelector("li")) summary.parentNode.removeChild(summary);
    }
  }
  category.addEventListener("change", function () { if (category.value) clearField("category-error", "category"); });
  document.getElementById("description").addEventListener("input", function () {
    if (this.value.trim()) clearField("description-error", "description");
  });
  ward.addEventListener("change", function () {
    if (this.value) clearField("location-error", "ward");
  });
  var serverSummary = document.getElementById("error-summary");
  if (serverSummary) { linkSummary(serverSummary); serverSummary.focus(); }

  // --- location: the map (pointer or keyboard), "use my location", or the ward picker ---
  var placeTimer = null, wardTouched = false;
  ward.addEventListener("change", function () { wardTouched = true; wardText.textContent = ""; });
  function showPlace() {
    clearTimeout(placeTimer);
    placeTimer = setTimeout(function () {
      if (!lat.value || !navigator.onLine) return;
      var q = new URLSearchParams({ lat: lat.value, lon: lon.value });
      fetch(form.dataset.placeUrl + "?" + q.toString(), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { ward: null }; })
        .then(function (data) {
          if (data.ward && ward.querySelector('option[value="' + data.ward + '"]')) {
            ward.value = data.ward;
            ward.dispatchEvent(new Event("cds-sync"));
            wardTouched = false;
            wardText.textContent = fill(data.source === "boundary" ? form.dataset.wardFound : form.dataset.wardGuess,
                                        { name: data.name });
          } else {
            if (!wardTouched) { ward.value = ""; ward.dispatchEvent(new Event("cds-sync")); }
            wardText.textContent = form.dataset.wardUnknown;
          }
        }).catch(function () {});
    }, 250);
  }
  function setPoint(la, lo, fromMap) {
    lat.value = la.toFixed(6); lon.value = lo.toFixed(6);
    clearField("location-error", "ward");
    locText.textContent = form.dataset.located + ": " + lat.value + ", " + lon.value;
    if (map) {
      // A drawn marker: no icon image to find (hashed static names would defeat Leaflet's icon path guess).
      if (!marker) marker = L.circleMarker([la, lo], { radius: 10, color: "#b71c1c", weight: 3, fillOpacity: 0.6 }).addTo(map);
      else marker.setLatLng([la, lo]);
      if (!fromMap) map.setView([la, lo], Math.max(map.getZoom(), 16));
    }
    showPlace();
    nearby();
  }

  var mapEl = document.getElementById("pick-map");
  var unavailable = document.getElementById("map-unavailable");
  var pinCenter = document.getElementById("pin-center");
  function mapDown() {
    // No tiles (offline, tile server down, none configured): no grey box credited to a tile server, the ward and
    // street way instead.
    if (map) { map.remove(); map = null; marker = null; }
    if (mapEl) { mapEl.hidden = true; mapEl.textContent = ""; }
    pinCenter.hidden = true;
    unavailable.hidden = false;
  }
  if (typeof L !== "undefined" && mapEl && form.dataset.tileUrl && navigator.onLine) {
    map = L.map(mapEl, { keyboard: true }).setView([10.7769, 106.7009], 13);
    var loaded = 0, failed = 0;
    var tiles = L.tileLayer(form.dataset.tileUrl, { maxZoom: 19, attribution: form.dataset.attribution });
    tiles.on("tileload", function () { loaded += 1; });
    tiles.on("tileerror", function () {
      failed += 1;
      if (!loaded && failed >= 2) mapDown();
    });
    tiles.addTo(map);
    setTimeout(function () { if (!loaded && !mapEl.hidden) mapDown(); }, 8000);
    var cross = document.createElement("div");
    cross.className = "map-crosshair";
    cross.setAttribute("aria-hidden", "true");
    mapEl.appendChild(cross);
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, true); });
    // Keyboard: the arrow keys move the map (Leaflet), Enter or Space puts the pin at its centre (the cross).
    var moving = false, pinWhenStill = false;
    function pinCentre() { var c = map.getCenter(); setPoint(c.lat, c.lng, true); }
    map.on("movestart", function () { moving = true; });
    map.on("moveend", function () {
      moving = false;
      if (pinWhenStill) { pinWhenStill = false; pinCentre(); }
    });
    mapEl.addEventListener("keydown", function (e) {
      if (e.target !== mapEl) return;
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        if (moving) pinWhenStill = true; else pinCentre();  // after an arrow key, once the map stopped moving
      }
    });
    pinCenter.hidden = false;
    pinCenter.addEventListener("click", pinCentre);
    if (lat.value && lon.value) setPoint(parseFloat(lat.value), parseFloat(lon.value), false);
  } else { mapDown(); }
  window.addEventListener("offline", function () { if (map && !marker) mapDown(); });

  // --- photos: thumbnails of the chosen ones, each can be removed before sending ---
  var photos = document.getElementById("photos");
  var previews = document.getElementById("photo-previews");
  var photoStatus = document.getElementById("photo-status");
  var kept = [];
  function syncPhotos() {
    if (typeof DataTransfer === "undefined") return;
    var dt = new DataTransfer();
    kept.forEach(function (f) { dt.items.add(f); });
    photos.files = dt.files;
  }
  function renderPhotos(message) {
    previews.textContent = "";
    kept.forEach(function (f, i) {
      var li = document.createElement("li");
      li.className = "photo-preview";
      var img = document.createElement("img");
      img.alt = f.name;
      img.src = URL.createObjectURL(f);
      img.addEventListener("load", function () { URL.revokeObjectURL(img.src); });
      img.addEventListener("error", function () {  // HEIC and the like: the browser cannot draw it, the server can
        var span = document.createElement("span");
        span.className = "photo-name";
        span.textContent = f.name;
        li.replaceChild(span, img);
      });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button secondary small-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", fill(photos.dataset.remove, { name: f.name }));
      remove.addEventListener("click", function () {
        kept.splice(i, 1);
        syncPhotos();
        renderPhotos(fill(photos.dataset.removed, { name: f.name }));
        photos.focus();
      });
      li.appendChild(img);
      li.appendChild(remove);
      previews.appendChild(li);
    });
    previews.hidden = !kept.length;
    photoStatus.textContent = (message ? message + " " : "") + (kept.length ? fill(photos.dataset.count, { count: kept.length }) : "");
  }
  if (typeof DataTransfer !== "undefined" && window.URL && URL.createObjectURL) {
    photos.addEventListener("change", function () {
      var max = parseInt(photos.dataset.max, 10), maxBytes = parseInt(photos.dataset.maxBytes, 10);
      var notes = [];
      Array.prototype.forEach.call(photos.files, function (f) {
        if (kept.some(function (k) { return k.name === f.name && k.size === f.size && k.lastModified === f.lastModified; })) return;
        if (f.size > maxBytes) { notes.push(fill(photos.dataset.tooBig, { name: f.name })); return; }
        if (kept.length >= max) { if (notes.indexOf(photos.dataset.tooMany) < 0) notes.push(photos.dataset.tooMany); return; }
        kept.push(f);
      });
      syncPhotos();
      renderPhotos(notes.join(" "));
    });
  }

  var useLocation = document.getElementById("use-location");
  if (useLocation) useLocation.addEventListener("click", function () {
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
  // After a draft was sent the form starts afresh, with a new key (the old one names the report just filed).
  function clearForm() {
    form.reset();
    var key = form.querySelector("[name=idempotency_key]");
    key.value = (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random())
      .replace(/[^0-9a-z]/gi, "").slice(0, 32);
    var box = document.querySelector("input[role=combobox]");
    if (box) box.dispatchEvent(new Event("input"));
    category.dispatchEvent(new Event("change"));
    kept = [];
    syncPhotos();
    renderPhotos("");
    if (marker && map) { map.removeLayer(marker); marker = null; }
    locText.textContent = ""; wardText.textContent = ""; nearbyBox.innerHTML = "";
  }
  function onMessage(data) {
    if (!data) return;
    if (data.type === "cds-draft-sent") {
      if (status.dataset.code === data.code) return;  // told once, however many times the worker reports it
      say(form.dataset.sent, false);
      status.dataset.code = data.code;
      form.dataset.draft = "sent";
      var link = document.createElement("a");
      link.href = data.url; link.textContent = data.code; link.dataset.testid = "sent-link";
      status.appendChild(document.createTextNode(" ")); status.appendChild(link);
      clearForm();
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
    clearErrors();
    say(form.dataset.sending, false);
    fetch(form.action || window.location.href, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (response.ok) { window.location.assign(data.url); return; }
        button.disabled = false;
        say("", false);
        showErrors(data.errors && data.errors.length ? data.errors : [{ field: "", id: "", message: data.message || form.dataset.failed }]);
      });
    }).catch(function () { button.disabled = false; keepDraft(); });
  });
})();
