/* The search page: Pagefind's default UI over the index the build wrote into pagefind/,
   merged with the further indexes of a large portfolio (pagefind-2/, … listed in the
   search element's data-merge). Without JavaScript the page keeps its message; from a
   plain folder (file://) the UI cannot fetch its index, so the page says so instead of
   failing. ?q= starts a search. */
(function () {
  "use strict";
  var status = document.getElementById("search-status");
  if (!status) return;
  if (window.location.protocol === "file:") {
    status.textContent = status.getAttribute("data-file-message");
    return;
  }
  if (typeof window.PagefindUI !== "function") {
    status.textContent = status.getAttribute("data-missing-message");
    return;
  }
  status.hidden = true;
  // Result links are relative to the site's root, wherever it is served from.
  var baseUrl = new URL("./", window.location.href).pathname;
  var merge = (document.getElementById("search").getAttribute("data-merge") || "")
    .split(" ")
    .filter(Boolean)
    .map(function (folder) {
      return { bundlePath: new URL(folder, window.location.href).pathname, baseUrl: baseUrl };
    });
  var ui = new window.PagefindUI({
    element: "#search",
    baseUrl: baseUrl,
    mergeIndex: merge,
    showSubResults: true,
    showImages: false,
    autofocus: true
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
})();
