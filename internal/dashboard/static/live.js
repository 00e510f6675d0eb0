// Live updates: the server streams the page's <main> whenever it changes
// (server-sent events); this swaps it in place, without a reload.
(function () {
  "use strict";
  var main = document.getElementById("content");
  var badge = document.getElementById("live");
  var stamp = document.getElementById("updated");
  if (!main || !main.dataset.stream || !window.EventSource) { return; }
  var updates = 0;
  var es = new EventSource(main.dataset.stream);
  es.addEventListener("open", function () { badge.dataset.state = "live"; });
  es.addEventListener("error", function () { badge.dataset.state = "lost"; });
  es.addEventListener("update", function (e) {
    var msg = JSON.parse(e.data);
    main.innerHTML = msg.html;
    updates++;
    document.body.dataset.updates = String(updates);
    if (stamp) { stamp.textContent = msg.updated; }
    badge.dataset.state = "live";
  });
  es.addEventListener("problem", function () { badge.dataset.state = "lost"; });
  window.addEventListener("beforeprint", function () { es.close(); });
})();
