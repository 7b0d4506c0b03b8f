// Back office: a response template fills the answer box it belongs to.
(function () {
  "use strict";
  document.querySelectorAll("select[data-fill]").forEach(function (select) {
    select.addEventListener("change", function () {
      var target = document.getElementById(select.dataset.fill);
      if (target && select.value) target.value = select.value;
    });
  });
})();


// Redaction boxes drawn on the photo (faces, number plates). Drag to draw, or click two opposite corners (no
// dragging needed, WCAG 2.5.7); each box becomes a "x,y,w,h" line in percent in the text box, which stays the
// keyboard way to enter them. Without JavaScript the text box alone works.
(function () {
  "use strict";
  function pct(v) { return Math.round(Math.max(0, Math.min(100, v)) * 10) / 10; }

  // The drawing area is built only when asked: when the "Che một phần ảnh" disclosure around it is opened.
  document.querySelectorAll(".redact-area[data-redact-for]").forEach(function (area) {
    var details = area.closest("details");
    if (!details) { setUp(area); return; }
    details.addEventListener("toggle", function () {
      if (details.open && !area.dataset.ready) setUp(area);
    });
  });

  function setUp(area) {
    var field = document.getElementById(area.dataset.redactFor);
    if (!field) return;
    area.dataset.ready = "1";
    area.hidden = false;
    var help = document.createElement("p");
    help.className = "help";
    help.id = area.dataset.redactFor + "-draw-help";
    help.textContent = area.dataset.label;
    var stage = document.createElement("div");
    stage.className = "redact-stage";
    var img = document.createElement("img");
    img.src = area.dataset.photo;
    img.alt = "";
    img.draggable = false;
    stage.appendChild(img);
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "button secondary";
    undo.textContent = area.dataset.undo;
    area.append(help, stage, undo);

    var start = null, live = null, corner = null;

    function point(event) {
      var r = stage.getBoundingClientRect();
      return { x: (event.clientX - r.left) / r.width * 100, y: (event.clientY - r.top) / r.height * 100 };
    }
    function lines() { return field.value.split(/[\n;]/).map(function (l) { return l.trim(); }).filter(Boolean); }
    function draw() {
      stage.querySelectorAll(".redact-box").forEach(function (el) { el.remove(); });
      lines().forEach(function (line) {
        var v = line.split(",").map(Number);
        if (v.length !== 4 || v.some(isNaN)) return;
        var box = document.createElement("div");
        box.className = "redact-box";
        box.style.left = v[0] + "%"; box.style.top = v[1] + "%"; box.style.width = v[2] + "%"; box.style.height = v[3] + "%";
        stage.appendChild(box);
      });
    }
    function add(a, b) {
      var x = pct(Math.min(a.x, b.x)), y = pct(Math.min(a.y, b.y));
      var w = pct(Math.abs(a.x - b.x)), h = pct(Math.abs(a.y - b.y));
      if (w < 0.5 || h < 0.5) return;
      field.value = lines().concat([x + "," + y + "," + w + "," + h]).join("\n");
      draw();
    }
    function clearLive() { if (live) { live.remove(); live = null; } }

    stage.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      start = point(event);
      stage.setPointerCapture(event.pointerId);
    });
    stage.addEventListener("pointermove", function (event) {
      if (!start) return;
      var p = point(event);
      if (!live) { live = document.createElement("div"); live.className = "redact-box live"; stage.appendChild(live); }
      live.style.left = Math.min(start.x, p.x) + "%"; live.style.top = Math.min(start.y, p.y) + "%";
      live.style.width = Math.abs(p.x - start.x) + "%"; live.style.height = Math.abs(p.y - start.y) + "%";
    });
    stage.addEventListener("pointerup", function (event) {
      if (!start) return;
      var p = point(event);
      clearLive();
      if (Math.abs(p.x - start.x) > 1 || Math.abs(p.y - start.y) > 1) {
        add(start, p);
        corner = null;
      } else if (corner) {
        add(corner, p);
        corner = null;
        stage.querySelectorAll(".redact-corner").forEach(function (el) { el.remove(); });
      } else {
        corner = p;
        var mark = document.createElement("div");
        mark.className = "redact-corner";
        mark.style.left = p.x + "%"; mark.style.top = p.y + "%";
        stage.appendChild(mark);
      }
      start = null;
    });
    stage.addEventListener("pointercancel", function () { start = null; clearLive(); });
    undo.addEventListener("click", function () {
      field.value = lines().slice(0, -1).join("\n");
      draw();
    });
    field.addEventListener("input", draw);
    draw();
  }
})();


// An error summary at the top of a back-office form takes the focus, so a screen reader reads what went wrong.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
