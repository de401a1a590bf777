/* The import page: while the import runs, polls its API URL and shows the progress,
 * then reloads to show the outcome. Loaded by templates/web/imports/detail.html only. */
(function () {
  "use strict";

  function setup() {
    var box = document.querySelector("[data-import]");
    if (!box || box.dataset.state !== "running") return;
    var progress = box.querySelector("[data-import-progress]");
    var text = box.querySelector("[data-import-text]");
    function poll() {
      fetch(box.dataset.importUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { window.setTimeout(poll, 3000); return; }
          progress.value = job.progress;
          text.textContent = job.files_staged + " of " + job.files_planned + " documents stored";
          if (job.state === "running") { window.setTimeout(poll, 1000); return; }
          window.location.reload();
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
