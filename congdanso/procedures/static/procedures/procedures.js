// The procedure page: print button, and the "documents I need" checklist remembered on this device only
// (localStorage, keyed by procedure code). Works without this file: the checkboxes are plain HTML.
(function () {
  "use strict";
  var page = document.querySelector(".procedure-detail[data-code]");
  if (!page) { return; }
  var printButton = page.querySelector("[data-print]");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
  var key = "cds:procedure-checklist:" + page.dataset.code;
  var boxes = page.querySelectorAll(".checklist input[type=checkbox][data-key]");
  var saved = {};
  try { saved = JSON.parse(window.localStorage.getItem(key) || "{}") || {}; } catch (e) { saved = {}; }
  function store() {
    var ticks = {};
    boxes.forEach(function (box) { if (box.checked) { ticks[box.dataset.key] = 1; } });
    try {
      if (Object.keys(ticks).length) { window.localStorage.setItem(key, JSON.stringify(ticks)); }
      else { window.localStorage.removeItem(key); }
    } catch (e) { /* private mode or full storage: ticks last for this visit only */ }
  }
  boxes.forEach(function (box) {
    if (saved[box.dataset.key]) { box.checked = true; }
    box.addEventListener("change", store);
  });
  var clear = page.querySelector("[data-clear-checklist]");
  if (clear) {
    clear.addEventListener("click", function () {
      boxes.forEach(function (box) { box.checked = false; });
      store();
    });
  }
})();
