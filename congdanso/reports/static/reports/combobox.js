// A search box (an ARIA 1.2 combobox) over a <select data-combobox> the server renders: the category of a new report
// (resident and hotline forms; options carry their search phrases in data-terms) and the ward of a hotline report
// (the option's own text). The person types a few words; the matching options are listed, best first, for them to
// choose — nothing is ever chosen for them, and editing the text after a choice clears it. Without this script the
// plain <select> stays. The box takes over the select's id (labels and error links point at it), the select becomes
// "<id>-select"; a script that sets the select's value itself dispatches "cds-sync" on it to update the box.
//
// Matching mirrors congdanso/lib/text.py (word_matches, phrase_rank) and agencies.queries.match_categories:
// diacritics are ignored where the resident left them out and respected where typed ("cong" finds "cống" and
// "công", "cống" only "cống", "chó" never "chờn"); every word but the last must be a whole word. Change both together.
(function () {
  "use strict";
  if (!String.prototype.normalize) return;
  var MAX = 8;

  function letter(ch) {
    if (ch === "đ") return ["d", "\u0335"];  // đ: d with a stroke
    var d = ch.normalize("NFD");
    return [d.charAt(0), d.slice(1)];
  }
  function words(text) {
    return (text || "").normalize("NFC").toLowerCase().match(/[\p{L}\p{N}\p{M}_]+/gu) || [];
  }
  function wordMatches(typed, word, prefix) {
    if (typed.length > word.length || (!prefix && typed.length !== word.length)) return false;
    for (var i = 0; i < typed.length; i++) {
      var a = letter(typed.charAt(i)), b = letter(word.charAt(i));
      if (a[0] !== b[0]) return false;
      for (var k = 0; k < a[1].length; k++) if (b[1].indexOf(a[1].charAt(k)) < 0) return false;
    }
    return true;
  }
  function phraseRank(typed, phrase) {
    var n = typed.length;
    if (!n || !phrase.length) return null;
    function hit(i, w) { return wordMatches(typed[i], w, i === n - 1); }
    for (var start = 0; start + n <= phrase.length; start++) {
      var all = true;
      for (var i = 0; i < n && all; i++) all = hit(i, phrase[start + i]);
      if (all) {
        if (start > 0) return 2;
        return (n === phrase.length && wordMatches(typed[n - 1], phrase[n - 1], false)) ? 0 : 1;
      }
    }
    for (var j = 0; j < n; j++) {
      if (!phrase.some(function (w) { return hit(j, w); })) return null;
    }
    return 3;
  }

  function combobox(select) {
    var id = select.id;
    var items = Array.prototype.filter.call(select.options, function (o) { return o.value; }).map(function (o, order) {
      var terms = o.dataset.terms ? o.dataset.terms.split("|") : [o.textContent];
      return { code: o.value, name: o.textContent, group: o.parentNode.label || "", order: order,
               phrases: terms.map(words).filter(function (p) { return p.length; }) };
    });
    function match(text) {
      var typed = words(text);
      if (!typed.length) return [];
      var scored = [];
      items.forEach(function (item) {
        var best = null;
        item.phrases.forEach(function (p) { var r = phraseRank(typed, p); if (r !== null && (best === null || r < best)) best = r; });
        if (best === null) {
          var spread = typed.every(function (t, i) {
            return item.phrases.some(function (p) { return p.some(function (w) { return wordMatches(t, w, i === typed.length - 1); }); });
          });
          if (spread) best = 4;
        }
        if (best !== null) scored.push([best, item.order, item]);
      });
      scored.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      return scored.slice(0, MAX).map(function (s) { return s[2]; });
    }

    // --- the control ---
    var field = select.parentNode;
    var input = document.createElement("input");
    input.type = "text";
    input.id = id;
    select.id = id + "-select";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    input.placeholder = select.dataset.placeholder || "";
    ["aria-describedby", "aria-invalid"].forEach(function (a) {
      if (select.hasAttribute(a)) input.setAttribute(a, select.getAttribute(a));
    });
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "combo-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", field.querySelector("label").textContent.replace("*", "").trim());
    list.hidden = true;
    var note = document.createElement("p");
    note.className = "combo-note";
    note.id = id + "-note";
    note.hidden = true;
    var all = document.createElement("button");
    all.type = "button";
    all.className = "link combo-all";
    all.textContent = select.dataset.showAll;
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    select.hidden = true;
    select.removeAttribute("required");
    field.insertBefore(input, select);
    field.insertBefore(note, select);
    field.insertBefore(list, select);
    field.insertBefore(all, select);
    field.insertBefore(live, select);

    var shown = [], active = -1, chosenName = "";
    function fill(template, values) {
      return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
    }
    function setActive(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
      if (i >= 0 && list.children[i]) {
        input.setAttribute("aria-activedescendant", list.children[i].id);
        list.children[i].scrollIntoView({ block: "nearest" });
      } else { input.removeAttribute("aria-activedescendant"); }
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }
    function render(found, text) {
      shown = found;
      list.textContent = "";
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = id + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.code = item.code;
        li.className = "combo-option";
        var name = document.createElement("span");
        name.className = "combo-name";
        name.textContent = item.name;
        li.appendChild(name);
        if (item.group) {
          var group = document.createElement("span");
          group.className = "combo-group";
          group.textContent = item.group;
          li.appendChild(group);
        }
        list.appendChild(li);
      });
      var open = found.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      setActive(-1);
      if (text !== null && !found.length) {
        note.textContent = fill(select.dataset.noMatch, { text: text });
        note.hidden = false;
        live.textContent = note.textContent;
      } else {
        note.hidden = true;
        live.textContent = found.length ? fill(select.dataset.matches, { count: found.length }) : "";
      }
    }
    function choose(code) {
      var option = select.querySelector('option[value="' + code + '"]');
      if (!option) return;
      select.value = code;
      chosenName = option.textContent;
      input.value = chosenName;
      close();
      note.hidden = true;
      live.textContent = fill(select.dataset.chosen, { name: chosenName });
      field.classList.add("chosen");
      select.dispatchEvent(new Event("change"));
    }
    function unchoose() {
      var had = select.value;
      select.value = "";
      chosenName = "";
      field.classList.remove("chosen");
      if (had) select.dispatchEvent(new Event("change"));
    }

    if (select.value) {
      chosenName = select.options[select.selectedIndex].textContent;
      input.value = chosenName;
      field.classList.add("chosen");
    }
    input.addEventListener("input", function () {
      if (input.value !== chosenName) unchoose();  // the text changed: nothing stays chosen silently
      var text = input.value.trim();
      render(text ? match(text) : [], text ? text : null);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (list.hidden) {
          if (!input.value.trim()) render(items.slice(), null);
          else render(match(input.value), input.value.trim());
        }
        if (!shown.length) return;
        e.preventDefault();
        var next = e.key === "ArrowDown" ? active + 1 : active - 1;
        if (next < 0) next = shown.length - 1;
        if (next >= shown.length) next = 0;
        setActive(next);
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0) { e.preventDefault(); choose(shown[active].code); }
        else if (!list.hidden) e.preventDefault();  // Enter in the search box never sends the form half-filled
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); close(); }
      }
    });
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the focus in the box
    list.addEventListener("click", function (e) {
      var li = e.target.closest("li[data-code]");
      if (li) { choose(li.dataset.code); input.focus(); }
    });
    input.addEventListener("blur", function () { close(); });
    all.addEventListener("click", function () {
      render(items.slice(), null);
      input.focus();
    });
    // Another script set the select (the ward of a pin on the map): the box shows it, with nothing announced twice.
    select.addEventListener("cds-sync", function () {
      var option = select.value ? select.options[select.selectedIndex] : null;
      chosenName = option ? option.textContent : "";
      input.value = chosenName;
      field.classList.toggle("chosen", !!option);
      if (option) { input.removeAttribute("aria-invalid"); }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[data-combobox]"), combobox);
})();
