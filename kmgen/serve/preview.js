/* kmgen live preview: reload when a rebuild is done; show the build's problems on top of the page.
 * Served by `kmgen serve --watch` only and added to each page as it is sent; never in a built site.
 * Problems are shown as text nodes: messages quote contributed content. */
(function () {
  "use strict";
  var seen = null;
  var box = null;

  function show(state) {
    if (box) box.remove();
    box = null;
    var problems = state.diagnostics || [];
    if (!problems.length && !state.failure) return;
    box = document.createElement("aside");
    box.id = "kmgen-preview-problems";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;z-index:10;bottom:0;left:0;right:0;max-height:40vh;overflow:auto;" +
      "margin:0;padding:.6em 1em;background:#fff3e0;color:#222;border-top:3px solid #e65100;font:13px/1.4 monospace";
    var title = document.createElement("strong");
    title.textContent = state.failure ? "Preview build failed: " + state.failure :
      problems.length + " problem" + (problems.length === 1 ? "" : "s") + " in the content (pages with errors are left out):";
    box.appendChild(title);
    var list = document.createElement("ul");
    problems.forEach(function (d) {
      var item = document.createElement("li");
      item.className = "kmgen-preview-problem";
      item.textContent = d.path + ":" + d.line + "  " + d.code + " " + d.severity + ": " + d.message +
        (d.hint ? "  (hint: " + d.hint + ")" : "");
      list.appendChild(item);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }

  function poll() {
    var url = "/_preview/status" + (seen === null ? "" : "?after=" + seen);
    fetch(url, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (state) {
      if (seen !== null && state.build > seen) {
        location.reload();
        return;
      }
      seen = state.build;
      show(state);
      poll();
    }).catch(function () {
      setTimeout(poll, 2000); // the server is restarting or gone: try again, quietly
    });
  }

  poll();
})();
