/* kmgen Find: search and filter the pre-rendered resource list. No framework.
 * Data: the JSON embedded in #kmgen-browse-data (also published as browse.json),
 * embedded so it works from file:// where fetch is refused.
 * Within a facet ticks are OR, across facets AND, and the words must match too.
 * Each count says how many resources the list would show if that box were (also) ticked.
 * Words are searched by kmgen serve's API when the site is served by it (find/api.js
 * says so), otherwise by MiniSearch over the static index (find/index-N.js), which is
 * loaded only when a search starts; results show while later parts still arrive. */
(function () {
  "use strict";
  var form = document.getElementById("kmgen-filters");
  var source = document.getElementById("kmgen-browse-data");
  if (!form || !source) return;
  var data = JSON.parse(source.textContent);
  var tags = {};
  data.resources.forEach(function (r) { tags[r.path] = new Set(r.tags); });
  var list = document.getElementById("kmgen-results");
  var rows = Array.prototype.slice.call(list.querySelectorAll(":scope > li[data-path]"));
  var rowOf = {};
  rows.forEach(function (row) { rowOf[row.getAttribute("data-path")] = row; });
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox]"));
  var counts = {};
  Array.prototype.forEach.call(form.querySelectorAll("[data-count-for]"), function (el) {
    counts[el.getAttribute("data-count-for")] = el;
  });
  var status = document.getElementById("kmgen-status");
  var findForm = document.getElementById("kmgen-find");
  var field = document.getElementById("kmgen-q");
  var note = document.getElementById("kmgen-find-note");
  var words = "";
  var ranked = false; // whether the list is in rank order (to put it back in title order once)
  var found = null; // null: no words; else {rank: {path: n}, snippets: {path: [[text, marked]...]}, text, more}

  function selection() {
    var sel = {};
    boxes.forEach(function (b) { if (b.checked) (sel[b.name] = sel[b.name] || []).push(b.value); });
    return sel;
  }

  function matches(path, sel, skipFacet) {
    if (found && !(path in found.rank)) return false;
    var set = tags[path] || new Set();
    return Object.keys(sel).every(function (facet) {
      return facet === skipFacet || sel[facet].some(function (t) { return set.has(t); });
    });
  }

  function toHash(sel) {
    var parts = words ? ["q=" + encodeURIComponent(words)] : [];
    Object.keys(sel).forEach(function (facet) {
      parts.push(encodeURIComponent(facet) + "=" + sel[facet].map(function (t) {
        return encodeURIComponent(t.slice(facet.length + 1));
      }).join(","));
    });
    return parts.length ? "#" + parts.join("&") : "";
  }

  // The header's box arrives as ?q=...; the page keeps its state in the fragment (#q=...&facet=...).
  function fromAddress() {
    var wanted = {};
    var q = "";
    [location.search.slice(1), location.hash.slice(1)].forEach(function (part) {
      part.split("&").forEach(function (pair) {
        var i = pair.indexOf("=");
        if (i < 1) return;
        var key = decode(pair.slice(0, i));
        if (key === "q") { q = decode(pair.slice(i + 1)); return; }
        pair.slice(i + 1).split(",").forEach(function (id) { wanted[key + "/" + decode(id)] = true; });
      });
    });
    boxes.forEach(function (b) { b.checked = !!wanted[b.value]; });
    if (field) field.value = q;
    return q.trim();
  }

  function decode(text) {
    try { return decodeURIComponent(text.replace(/\+/g, " ")); } catch (e) { return ""; }
  }

  // A group with ticks is opened (a shared address may tick boxes in closed groups)
  // and says how many of its boxes are ticked, so a closed group still shows its part.
  function showTicks(sel) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-ticked-for]"), function (el) {
      var n = (sel[el.getAttribute("data-ticked-for")] || []).length;
      el.textContent = n ? "(" + n + " ticked)" : "";
      if (n) el.parentNode.parentNode.open = true;
    });
  }

  function update(remember) {
    var sel = selection();
    showTicks(sel);
    var shown = 0;
    var order = found ? rows.slice().sort(function (a, b) {
      return rankOf(a) - rankOf(b);
    }) : rows;
    order.forEach(function (row) {
      var path = row.getAttribute("data-path");
      var ok = matches(path, sel);
      row.hidden = !ok;
      if (ok) shown += 1;
      showSnippet(row, found && ok ? found.snippets[path] : null);
      if (found || ranked) list.appendChild(row); // in rank order while searching, in title order otherwise
    });
    ranked = !!found;
    boxes.forEach(function (b) {
      var n = 0;
      data.resources.forEach(function (r) {
        if (tags[r.path].has(b.value) && matches(r.path, sel, b.name)) n += 1;
      });
      if (counts[b.value]) counts[b.value].textContent = String(n);
      b.parentNode.parentNode.classList.toggle("kmgen-option--empty", n === 0 && !b.checked);
    });
    status.textContent = shown + " of " + rows.length + " resources" + (found ? " match \u201c" + words + "\u201d" : "");
    if (remember) {
      var hash = toHash(sel);
      try {
        history.replaceState(null, "", location.pathname + hash);
      } catch (e) {
        location.replace(hash || "#");
      }
    }
  }

  function rankOf(row) {
    var n = found.rank[row.getAttribute("data-path")];
    return n === undefined ? Infinity : n;
  }

  // Snippets are built as text nodes and <mark> elements: indexed text never becomes markup.
  function showSnippet(row, parts) {
    var old = row.querySelector(".kmgen-snippet");
    if (old) old.remove();
    if (!parts || !parts.length) return;
    var p = document.createElement("p");
    p.className = "kmgen-snippet";
    parts.forEach(function (part) {
      var node = part[1] ? document.createElement("mark") : document.createTextNode(part[0]);
      if (part[1]) node.textContent = part[0];
      p.appendChild(node);
    });
    var after = row.querySelector(".kmgen-item__summary") || row.querySelector(".kmgen-item__type");
    after.parentNode.insertBefore(p, after.nextSibling);
  }

  function say(text, suggestion) {
    if (!note) return;
    note.textContent = text || "";
    if (suggestion) {
      var a = document.createElement("a");
      a.href = "#q=" + encodeURIComponent(suggestion);
      a.textContent = suggestion;
      a.addEventListener("click", function (event) {
        event.preventDefault();
        field.value = suggestion;
        setWords(suggestion);
      });
      note.appendChild(document.createTextNode(note.textContent ? " Did you mean " : "Did you mean "));
      note.appendChild(a);
      note.appendChild(document.createTextNode("?"));
    }
  }

  function setWords(text) {
    words = text.trim();
    if (!words) {
      found = null;
      say("");
      update(true);
      return;
    }
    window.kmgenFindEngine.search(words, function (result) {
      if (result.words !== words) return; // a later keystroke has already asked again
      found = result;
      say(result.note, result.suggestion);
      update(true);
    });
  }

  form.addEventListener("change", function () { update(true); });
  form.addEventListener("reset", function () {
    if (field) field.value = "";
    setTimeout(function () { setWords(""); }, 0);
  });
  window.addEventListener("hashchange", function () { setWords(fromAddress()); });
  var first = fromAddress();
  update(false);
  if (findForm && field && data.find && window.kmgenFindEngine) {
    window.kmgenFindEngine.configure(data.find, findForm.getAttribute("data-base") || ".");
    findForm.hidden = false;
    var timer = null;
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { setWords(field.value); }, 120);
    });
    findForm.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      setWords(field.value);
    });
    if (first) setWords(first);
  }
})();
