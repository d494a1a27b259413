/* kmgen Find engine: answers the Find page's words, for kmgen-browse.js.
 * Nothing is downloaded until the first search. Then find/api.js says whether
 * kmgen serve's search API answers (it does only when served by kmgen serve);
 * if so the API ranks the pages (Whoosh: synonyms, highlights, did-you-mean),
 * otherwise, or when the API stops answering, MiniSearch searches the static
 * index, loaded part by part as script elements (file:// refuses fetch).
 * A search is answered again each time another part arrives. */
(function () {
  "use strict";
  var manifest = null;
  var base = ".";
  var state = "idle"; // idle, booting, ready, failed
  var api = null;
  var engine = null;
  var texts = {};
  var concepts = []; // every concept's names, once; a page lists its concepts by number
  var loaded = 0;
  var shardsStarted = false;
  var current = null; // the latest search: {words, done}
  var BOOST = { title: 4, summary: 2.5, headings: 1.8, labels: 1.5, owner: 1.2, body: 1 };
  var SNIPPET_FIELDS = ["body", "headings", "summary", "labels"];
  var API_PAGE = 30; // each hit's snippet costs the server a highlight: a reader reads the first few

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // Letter by letter, so positions in the folded text are positions in the original.
  function foldEach(text) {
    var out = "";
    for (var i = 0; i < text.length; i += 1) {
      var c = text.charAt(i).toLowerCase().normalize("NFD").charAt(0);
      out += c || " ";
    }
    return out;
  }

  function address(rel) {
    return base.replace(/\/+$/, "") + "/" + rel;
  }

  function script(rel, done) {
    var el = document.createElement("script");
    el.src = address(rel);
    el.async = false;
    el.onload = function () { done(null); };
    el.onerror = function () { done(new Error("could not load " + rel)); };
    document.head.appendChild(el);
  }

  function boot() {
    state = "booting";
    script(manifest.engine, function (err) {
      if (err || !window.MiniSearch) {
        state = "failed";
        run();
        return;
      }
      engine = new window.MiniSearch({
        idField: "path",
        fields: ["title", "summary", "owner", "labels", "headings", "body"],
        processTerm: function (term) { return fold(term); },
        searchOptions: {
          boost: BOOST,
          prefix: true,
          fuzzy: function (term) { return term.length >= 5 ? 0.2 : false; }
        }
      });
      script(manifest.concepts, function () {
        concepts = window.kmgenFindConcepts || [];
        script(manifest.api, function () {
          var said = window.kmgenFindApi;
          api = typeof said === "string" && /^https?:$/.test(location.protocol) ? said : null;
          state = "ready";
          if (!api) loadShards();
          run();
        });
      });
    });
  }

  function loadShards() {
    if (shardsStarted) return;
    shardsStarted = true;
    (function next(i) {
      if (i >= manifest.shards.length) return;
      script(manifest.shards[i], function () {
        var parts = window.kmgenFindShards || [];
        window.kmgenFindShards = [];
        parts.forEach(add);
        if (!api) run();
        next(i + 1);
      });
    })(0);
  }

  function add(part) {
    var docs = part.docs.map(function (row) {
      var doc = {};
      part.fields.forEach(function (name, i) { doc[name] = row[i]; });
      doc.labels = doc.concepts ? doc.concepts.split(" ").map(function (n) { return concepts[n] || ""; }).join(" \u00b7 ") : "";
      texts[doc.path] = doc;
      return doc;
    });
    engine.addAll(docs.filter(function (d) { return !engine.has(d.path); }));
    loaded = engine.documentCount;
  }

  function run() {
    var cur = current;
    if (!cur) return;
    if (state === "idle") { boot(); return; }
    if (state === "booting") return;
    if (state === "failed") {
      cur.done({ words: cur.words, rank: {}, snippets: {}, note: "Search could not start: its files are missing." });
      return;
    }
    if (api) { viaApi(cur); return; }
    if (!loaded && manifest.pages) return; // the first part is on its way
    cur.done(viaIndex(cur.words));
  }

  function viaApi(cur) {
    var url = api + "search?q=" + encodeURIComponent(cur.corrected || cur.words) + "&size=" + API_PAGE;
    fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (answer) {
      if (current.words !== cur.words) return;
      if (answer.status === 400) {
        cur.done({ words: cur.words, rank: {}, snippets: {}, note: answer.body.error || "The search was refused." });
        return;
      }
      if (!answer.ok) throw new Error("status " + answer.status);
      var body = answer.body;
      if (!body.total && body.did_you_mean && !cur.corrected) {
        // Nothing for the words as typed: show what the corrected words find, and say so.
        viaApi({ words: cur.words, done: cur.done, corrected: body.did_you_mean });
        return;
      }
      var result = fromApi(cur.words, body);
      if (cur.corrected) {
        result.note = "Nothing matches \u201c" + cur.words + "\u201d; showing results for \u201c" +
          cur.corrected + "\u201d." + (result.note ? " " + result.note : "");
        result.suggestion = null;
      }
      cur.done(result);
    }).catch(function () {
      api = null; // the server stopped answering: search the static index from now on
      loadShards();
      run();
    });
  }

  function fromApi(words, body) {
    var rank = {};
    var snippets = {};
    body.hits.forEach(function (hit, i) {
      rank[hit.path] = i;
      snippets[hit.path] = String(hit.snippet || "").split("**").map(function (text, j) {
        return [text, j % 2 === 1];
      }).filter(function (part) { return part[0]; });
    });
    var note = body.total > body.hits.length ?
      "Showing the best " + body.hits.length + " of " + body.total + " matches." : "";
    (body.notes || []).forEach(function (n) { note += (note ? " " : "") + n.charAt(0).toUpperCase() + n.slice(1) + "."; });
    return { words: words, rank: rank, snippets: snippets, note: note, suggestion: body.did_you_mean || null };
  }

  function viaIndex(words) {
    var results = engine.search(words, { combineWith: "AND" });
    var note = "";
    if (!results.length && words.split(/\s+/).length > 1) {
      results = engine.search(words, { combineWith: "OR" });
      if (results.length) note = "No resource has every word; showing those with any of them.";
    }
    var rank = {};
    var snippets = {};
    results.forEach(function (r, i) {
      rank[r.id] = i;
      snippets[r.id] = snippet(texts[r.id], r.terms);
    });
    if (loaded < manifest.pages) {
      note += (note ? " " : "") + "Searched " + loaded + " of " + manifest.pages + " resources so far\u2026";
    }
    return { words: words, rank: rank, snippets: snippets, note: note, suggestion: null };
  }

  // Where a matched word starts a word of the text.
  function starts(folded, term, from) {
    var at = folded.indexOf(term, from);
    while (at > 0 && /[\p{L}\p{N}]/u.test(folded.charAt(at - 1))) at = folded.indexOf(term, at + 1);
    return at;
  }

  function snippet(doc, terms) {
    if (!doc) return [];
    for (var f = 0; f < SNIPPET_FIELDS.length; f += 1) {
      var text = doc[SNIPPET_FIELDS[f]] || "";
      var folded = foldEach(text);
      var first = -1;
      terms.forEach(function (t) {
        var at = starts(folded, t, 0);
        if (at >= 0 && (first < 0 || at < first)) first = at;
      });
      if (first >= 0) return cut(text, folded, terms, first);
    }
    return [];
  }

  function cut(text, folded, terms, first) {
    var start = first > 60 ? text.indexOf(" ", first - 60) + 1 : 0;
    var end = Math.min(text.length, start + 200);
    if (end < text.length && text.lastIndexOf(" ", end) > first) end = text.lastIndexOf(" ", end);
    var marks = [];
    terms.forEach(function (t) {
      for (var at = starts(folded, t, start); at >= 0 && at < end; at = starts(folded, t, at + t.length)) {
        marks.push([at, Math.min(end, at + t.length)]);
      }
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var parts = start > 0 ? [["\u2026 ", false]] : [];
    var pos = start;
    marks.forEach(function (m) {
      if (m[0] < pos) return;
      if (m[0] > pos) parts.push([text.slice(pos, m[0]), false]);
      parts.push([text.slice(m[0], m[1]), true]);
      pos = m[1];
    });
    if (pos < end) parts.push([text.slice(pos, end), false]);
    if (end < text.length) parts.push([" \u2026", false]);
    return parts;
  }

  window.kmgenFindEngine = {
    configure: function (found, root) {
      manifest = found;
      base = root;
    },
    search: function (words, done) {
      current = { words: words, done: done };
      run();
    }
  };
})();
