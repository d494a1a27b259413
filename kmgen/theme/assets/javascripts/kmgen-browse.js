/* kmgen browse: filter the pre-rendered resource list by facets. No framework.
 * Data: the JSON embedded in #kmgen-browse-data (also published as browse.json),
 * embedded so it works from file:// where fetch is refused.
 * Within a facet ticks are OR, across facets AND. Each count says how many
 * resources the list would show if that box were (also) ticked. */
(function () {
  "use strict";
  var form = document.getElementById("kmgen-filters");
  var source = document.getElementById("kmgen-browse-data");
  if (!form || !source) return;
  var data = JSON.parse(source.textContent);
  var tags = {};
  data.resources.forEach(function (r) { tags[r.path] = new Set(r.tags); });
  var rows = Array.prototype.slice.call(document.querySelectorAll("#kmgen-results > li[data-path]"));
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox]"));
  var counts = {};
  Array.prototype.forEach.call(form.querySelectorAll("[data-count-for]"), function (el) {
    counts[el.getAttribute("data-count-for")] = el;
  });
  var status = document.getElementById("kmgen-status");

  function selection() {
    var sel = {};
    boxes.forEach(function (b) { if (b.checked) (sel[b.name] = sel[b.name] || []).push(b.value); });
    return sel;
  }

  function matches(set, sel, skipFacet) {
    return Object.keys(sel).every(function (facet) {
      return facet === skipFacet || sel[facet].some(function (t) { return set.has(t); });
    });
  }

  function toHash(sel) {
    var parts = Object.keys(sel).map(function (facet) {
      return encodeURIComponent(facet) + "=" + sel[facet].map(function (t) {
        return encodeURIComponent(t.slice(facet.length + 1));
      }).join(",");
    });
    return parts.length ? "#" + parts.join("&") : "";
  }

  function fromAddress() {
    var wanted = {};
    (location.search.slice(1) + "&" + location.hash.slice(1)).split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      if (i < 1) return;
      var facet = decodeURIComponent(pair.slice(0, i));
      pair.slice(i + 1).split(",").forEach(function (id) { wanted[facet + "/" + decodeURIComponent(id)] = true; });
    });
    boxes.forEach(function (b) { b.checked = !!wanted[b.value]; });
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
    rows.forEach(function (row) {
      var ok = matches(tags[row.getAttribute("data-path")] || new Set(), sel);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    boxes.forEach(function (b) {
      var n = 0;
      data.resources.forEach(function (r) {
        var set = tags[r.path];
        if (set.has(b.value) && matches(set, sel, b.name)) n += 1;
      });
      if (counts[b.value]) counts[b.value].textContent = String(n);
      b.parentNode.parentNode.classList.toggle("kmgen-option--empty", n === 0 && !b.checked);
    });
    status.textContent = shown + " of " + rows.length + " resources";
    if (remember) {
      var hash = toHash(sel);
      try {
        history.replaceState(null, "", location.pathname + location.search + hash);
      } catch (e) {
        location.replace(hash || "#");
      }
    }
  }

  form.addEventListener("change", function () { update(true); });
  form.addEventListener("reset", function () { setTimeout(function () { update(true); }, 0); });
  window.addEventListener("hashchange", function () { fromAddress(); update(false); });
  fromAddress();
  update(false);
})();
