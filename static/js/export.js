/* The export progress page: polls the export's API URL until it is ready or failed,
 * then shows the download link. Loaded by templates/web/exports/progress.html only. */
(function () {
  "use strict";

  function size(bytes) {
    var units = ["bytes", "KB", "MB", "GB", "TB"], n = bytes, i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return (i ? n.toFixed(1) : n) + " " + units[i];
  }

  function setup() {
    var box = document.querySelector("[data-export]");
    if (!box || box.dataset.state !== "running") return;
    var progress = box.querySelector("[data-export-progress]");
    var text = box.querySelector("[data-export-text]");
    var badge = box.querySelector("[data-export-state]");
    function poll() {
      fetch(box.dataset.exportUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { window.setTimeout(poll, 3000); return; }
          progress.max = Math.max(job.bytes_total, 1);
          progress.value = job.state === "done" ? progress.max : job.bytes_done;
          text.textContent = job.items_done + " of " + job.items_total + " records and documents · " +
            size(job.bytes_done) + " of " + size(job.bytes_total) + " read";
          box.dataset.state = job.state;
          if (job.state === "running") { window.setTimeout(poll, 1000); return; }
          badge.textContent = job.state === "done" ? "Ready" : "Failed";
          badge.className = "badge " + (job.state === "done" ? "badge-ok" : "badge-danger");
          if (job.state === "done") box.querySelector("[data-export-ready]").hidden = false;
          else {
            var error = box.querySelector("[data-export-error]");
            error.textContent = job.error;
            error.hidden = false;
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
