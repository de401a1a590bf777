/* Coffer's pages: a little plain JavaScript, loaded from 'self' only (strict CSP).
 *
 * Every page works without it; with it, the vault locks itself on time, secret
 * fields reveal in place, uploads show their progress and rotations their state.
 * Nothing here stores a decrypted value anywhere but the page's own DOM.
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function formatCountdown(seconds) {
    seconds = Math.max(0, Math.ceil(seconds));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function announce(text) {
    var status = document.getElementById("copy-status");
    if (!status) {
      status = document.createElement("p");
      status.id = "copy-status";
      status.className = "status-line visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  /* ---- auto-lock ---- */

  var autolock = {
    form: null,
    deadline: 0,
    absoluteDeadline: 0,
    idleTtl: 0,
    sawActivity: false,
    lastContact: 0,
    locking: false,

    start: function (form) {
      var now = Date.now();
      this.form = form;
      this.idleTtl = parseInt(form.dataset.idleTtl, 10) || 300;
      this.deadline = now + (parseInt(form.dataset.lockIn, 10) || 0) * 1000;
      this.absoluteDeadline = now + (parseInt(form.dataset.expiresIn, 10) || 0) * 1000;
      this.lastContact = now;
      this.timer = document.getElementById("lock-countdown");
      var self = this;
      ["keydown", "pointerdown", "input", "wheel"].forEach(function (name) {
        document.addEventListener(name, function () { self.sawActivity = true; }, { passive: true, capture: true });
      });
      document.addEventListener("visibilitychange", function () { self.tick(); });
      window.setInterval(function () { self.tick(); }, 1000);
      this.tick();
    },

    remaining: function () {
      return (Math.min(this.deadline, this.absoluteDeadline) - Date.now()) / 1000;
    },

    // Called after any request of ours that used the vault: the server slid its idle expiry.
    touched: function () {
      if (!this.form) return;
      var now = Date.now();
      this.deadline = Math.min(now + this.idleTtl * 1000, this.absoluteDeadline);
      this.lastContact = now;
      this.sawActivity = false;
    },

    tick: function () {
      if (this.locking) return;
      var left = this.remaining();
      if (this.timer) this.timer.textContent = formatCountdown(left);
      this.form.classList.toggle("is-ending", left <= 30);
      if (left <= 0) {
        this.lock();
        return;
      }
      // Someone is typing or clicking: keep the server's idle timer from running out under them.
      if (this.sawActivity && Date.now() - this.lastContact > 30000) this.keepAlive();
    },

    keepAlive: function () {
      var self = this;
      this.sawActivity = false;
      this.lastContact = Date.now();
      fetch(this.form.dataset.keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
      }).then(function (response) {
        if (response.status === 423) { self.lock(); return null; }
        return response.ok ? response.json() : null;
      }).then(function (body) {
        if (body && !body.locked) {
          var now = Date.now();
          self.deadline = now + body.lock_in * 1000;
          self.absoluteDeadline = now + body.expires_in * 1000;
        }
      }).catch(function () { /* offline: the countdown carries on */ });
    },

    lock: function () {
      if (this.locking) return;
      this.locking = true;
      var reason = document.createElement("input");
      reason.type = "hidden";
      reason.name = "reason";
      reason.value = "idle";
      this.form.appendChild(reason);
      // Hide what the page shows at once, before the round trip.
      document.body.classList.add("is-locking");
      var main = document.getElementById("main");
      if (main) main.hidden = true;
      this.form.submit();
    }
  };

  window.Coffer = { touched: function () { autolock.touched(); } };

  /* A page with decrypted data must never come back from the back/forward cache. */
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.body.dataset.vault === "unlocked") window.location.reload();
  });

  /* ---- copy to clipboard ---- */

  function copyText(text, what, button) {
    if (!navigator.clipboard) {
      announce("Copying is not available in this browser.");
      return;
    }
    navigator.clipboard.writeText(text).then(function () {
      announce((what || "Value") + " copied to the clipboard.");
      if (button) {
        button.classList.add("copy-done");
        window.setTimeout(function () { button.classList.remove("copy-done"); }, 1500);
      }
    }, function () {
      announce("Could not copy. Select the text and copy it by hand.");
    });
  }

  function setupCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.dataset.copyTarget);
        if (target) copyText(target.textContent.trim(), "Code", button);
      });
    });
    document.querySelectorAll("[data-copy-field]").forEach(function (button) {
      button.addEventListener("click", function () {
        var row = button.closest("[data-field]");
        var value = row && row.querySelector("[data-value]");
        var label = row && row.querySelector("dt");
        if (value) copyText(value.textContent.trim(), label ? label.firstChild.textContent.trim() : "Value", button);
      });
    });
  }

  /* ---- reveal a secret field ---- */

  function setupReveal() {
    document.querySelectorAll("form[data-reveal-form]").forEach(function (form) {
      var row = form.closest("[data-field]");
      var value = row.querySelector("[data-value]");
      var text = form.querySelector("[data-reveal-text]");
      var copy = row.querySelector("[data-copy-field]");
      var revealed = false;
      var busy = false;
      var button = form.querySelector("button");

      /* Never disable the button: a disabled button drops the keyboard focus. */
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (busy) return;
        if (revealed) {
          value.textContent = value.dataset.masked;
          value.classList.remove("is-revealed");
          text.textContent = "Reveal";
          if (copy) copy.hidden = true;
          revealed = false;
          return;
        }
        busy = true;
        button.setAttribute("aria-busy", "true");
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
        }).then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (response.redirected || type.indexOf("application/json") === -1) {
            window.location.assign(response.url); // locked meanwhile: the unlock page
            return null;
          }
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        }).then(function (result) {
          busy = false;
          button.removeAttribute("aria-busy");
          if (!result) return;
          if (!result.ok) { announce(result.body.detail || "Could not reveal this field."); return; }
          value.textContent = result.body.value;
          value.classList.add("is-revealed");
          text.textContent = "Hide";
          if (copy) copy.hidden = false;
          revealed = true;
          autolock.touched();
        }).catch(function () {
          busy = false;
          button.removeAttribute("aria-busy");
          announce("Could not reach Coffer. Check your connection and try again.");
        });
      });
    });
  }

  /* ---- unlock: the back-off countdown ---- */

  function setupBackoff() {
    var notice = document.querySelector("[data-backoff]");
    if (!notice) return;
    var form = document.querySelector("form[data-unlock-form]");
    var button = form && form.querySelector('button[type="submit"]');
    var counter = notice.querySelector("[data-backoff-seconds]");
    var until = Date.now() + parseInt(notice.dataset.backoff, 10) * 1000;
    if (button) button.disabled = true;
    function tick() {
      var left = Math.ceil((until - Date.now()) / 1000);
      if (left > 0) {
        counter.textContent = left;
        window.setTimeout(tick, 250);
        return;
      }
      notice.classList.remove("notice-warn");
      notice.classList.add("notice-ok");
      notice.querySelector("span:not([data-backoff-seconds])").textContent = "You can try your PIN again now.";
      if (button) button.disabled = false;
      var pin = form && form.querySelector('input[name="pin"]');
      if (pin) pin.focus();
    }
    tick();
  }

  /* ---- "I wrote it down": the recovery code's last group typed back ---- */

  function setupConfirmForms() {
    document.querySelectorAll("form[data-recovery-confirm]").forEach(function (form) {
      var code = document.getElementById("recovery-code");
      var input = form.querySelector('input[name="last_group"]');
      var button = form.querySelector("[data-needs-confirm]");
      if (!code || !input || !button) return;
      var last = code.textContent.trim().split("-").pop().toUpperCase();
      function sync() { button.disabled = input.value.trim().toUpperCase() !== last; }
      input.addEventListener("input", sync);
      sync();
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  /* ---- forms with errors: put the cursor where the first problem is ---- */

  function focusFirstError() {
    var invalid = document.querySelector('[aria-invalid="true"]');
    var summary = document.querySelector("[data-error-summary]");
    if (invalid) invalid.focus();
    else if (summary) summary.focus();
  }

  /* ---- uploads: drag and drop, with real progress ---- */

  function formatSize(size) {
    var units = ["bytes", "KB", "MB", "GB"];
    var unit = 0;
    while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit += 1; }
    return unit === 0 ? size + " bytes" : size.toFixed(1) + " " + units[unit];
  }

  function typeLabel(contentType) {
    return contentType === "application/pdf" ? "PDF" : contentType.replace("image/", "").toUpperCase();
  }

  // Shows a new upload in the page's list of documents, built with textContent only.
  function addToList(zone, created) {
    var list = zone.dataset.list && document.getElementById(zone.dataset.list);
    var template = zone.dataset.itemTemplate && document.getElementById(zone.dataset.itemTemplate);
    if (!list || !template || !created.id) return;
    var item = template.content.firstElementChild.cloneNode(true);
    item.querySelector("[data-doc-link]").href = "/documents/" + created.id + "/";
    item.querySelector("[data-doc-name]").textContent = created.filename || "Unnamed document";
    var meta = item.querySelector("[data-doc-meta]");
    if (meta) meta.textContent = typeLabel(created.content_type) + " · " + formatSize(created.size) + " · just now";
    var thumb = item.querySelector("[data-doc-thumb]");
    if (thumb && /^image\/(jpeg|png|webp)$/.test(created.content_type)) {
      var img = document.createElement("img");
      img.src = "/documents/" + created.id + "/preview/";
      img.alt = "";
      thumb.textContent = "";
      thumb.appendChild(img);
    }
    list.insertBefore(item, list.firstChild);
    var section = list.closest("[data-doc-section]");
    if (section) section.hidden = false;
    var empty = section && section.parentNode.querySelector("[data-empty-note]");
    if (empty) empty.hidden = true;
  }

  function uploadErrorText(xhr) {
    if (xhr.status === 423) return "Your vault locked. Unlock it and try again.";
    if (xhr.status === 0) return "The connection broke off. Try again.";
    try {
      var body = JSON.parse(xhr.responseText);
      if (body.fields) {
        var first = Object.keys(body.fields)[0];
        if (first) return [].concat(body.fields[first]).join(" ");
      }
      if (body.detail) return body.detail;
    } catch (ignored) { /* not JSON */ }
    return "The upload failed (" + xhr.status + ").";
  }

  // One upload at a time: each gets the whole connection, and its own clear progress.
  function enqueue(zone, file) {
    zone.uploadQueue = zone.uploadQueue || [];
    zone.uploadQueue.push(uploadRow(zone, file));
    if (!zone.uploading) nextUpload(zone);
  }

  function nextUpload(zone) {
    var job = zone.uploadQueue.shift();
    zone.uploading = Boolean(job);
    if (job) job();
  }

  function uploadRow(zone, file) {
    var list = zone.querySelector("[data-upload-list]");
    var row = zone.querySelector("template[data-upload-row]").content.firstElementChild.cloneNode(true);
    var progress = row.querySelector("[data-progress]");
    var state = row.querySelector("[data-state]");
    var name = row.querySelector("[data-name]");
    name.textContent = file.name;
    progress.setAttribute("aria-label", "Uploading " + file.name);
    list.appendChild(row);
    return function () { uploadOne(zone, file, row, progress, state); };
  }

  function uploadOne(zone, file, row, progress, state) {

    var body = new FormData();
    if (zone.dataset.record) body.append("record", zone.dataset.record);
    body.append("file", file, file.name);

    var xhr = new XMLHttpRequest();
    xhr.open(zone.dataset.uploadMethod || "POST", zone.dataset.uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.round((event.loaded / event.total) * 100);
      progress.value = percent;
      state.textContent = percent < 100 ? percent + "%" : "Encrypting…";
      zone.dataset.sawProgress = String(Math.max(parseInt(zone.dataset.sawProgress || "0", 10), percent < 100 ? percent : 0));
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        var created = {};
        try { created = JSON.parse(xhr.responseText); } catch (ignored) { /* keep {} */ }
        progress.value = 100;
        row.classList.add("is-done");
        state.textContent = "Saved · ";
        var done = document.createElement("a");
        done.textContent = "Open";
        done.href = "/documents/" + created.id + "/";
        done.setAttribute("aria-label", "Open " + file.name);
        state.appendChild(done);
        autolock.touched();
        addToList(zone, created);
        announce(file.name + " uploaded.");
        // A scan slot shows its preview and its new state (replace, not add) from the server.
        if (zone.hasAttribute("data-reload")) window.location.reload();
      } else {
        // The reason sits in the file's own row, beside its name; the announcement names the file.
        row.classList.add("is-failed");
        state.textContent = uploadErrorText(xhr);
        announce(file.name + ": " + state.textContent);
      }
      nextUpload(zone);
    });
    xhr.addEventListener("error", function () {
      row.classList.add("is-failed");
      state.textContent = uploadErrorText(xhr);
      announce(file.name + ": " + state.textContent);
      nextUpload(zone);
    });
    xhr.send(body);
  }

  function setupUploads() {
    document.querySelectorAll("[data-upload]").forEach(function (zone) {
      var input = zone.querySelector('input[type="file"]');
      function send(files) { Array.prototype.forEach.call(files, function (file) { enqueue(zone, file); }); }
      input.addEventListener("change", function () { send(input.files); input.value = ""; });
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
          zone.classList.add("is-over");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          if (name === "dragleave" && zone.contains(event.relatedTarget)) return;
          zone.classList.remove("is-over");
        });
      });
      zone.addEventListener("drop", function (event) {
        if (event.dataTransfer && event.dataTransfer.files.length) send(event.dataTransfer.files);
      });
    });
  }

  /* ---- rotation progress ---- */

  function setupRotation() {
    var box = document.querySelector("[data-rotation]");
    if (!box || box.dataset.state !== "running") return;
    var progress = box.querySelector("[data-rotation-progress]");
    var text = box.querySelector("[data-rotation-text]");
    var badge = box.querySelector("[data-rotation-state]");
    function poll() {
      fetch(box.dataset.rotationUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { window.setTimeout(poll, 3000); return; }
          progress.max = Math.max(job.items_total, 1);
          progress.value = job.items_total ? job.items_done : (job.state === "running" ? 0 : 1);
          text.textContent = job.items_done + " of " + job.items_total + " item" + (job.items_total === 1 ? "" : "s") + " done";
          box.dataset.state = job.state;
          if (job.state === "running") { window.setTimeout(poll, 1000); return; }
          badge.textContent = job.state === "done" ? "Finished" : "Failed";
          badge.className = "badge " + (job.state === "done" ? "badge-ok" : "badge-danger");
          if (job.state === "failed" && job.errors.length) text.textContent += " · " + job.errors.length + " item(s) could not be moved";
          document.querySelectorAll("[data-rotation-start]").forEach(function (button) { button.disabled = false; });
          announce(job.state === "done" ? "The rotation finished." : "The rotation failed.");
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  }

  /* ---- sharing: the field and scan choices of ticked records only ---- */

  // Without this every record's fields show at once (thousands of pixels on a phone); a
  // record's group appears when its box is ticked, and a group in use stays shown.
  function setupShareFields() {
    document.querySelectorAll("[data-share-form]").forEach(function (form) {
      var boxes = form.querySelectorAll('input[name="records"]');
      var hint = form.querySelector("[data-share-fields-hint]");
      function sync() {
        var any = false;
        boxes.forEach(function (box) {
          var scans = document.getElementById("id_scans_" + box.value);
          if (scans) scans.hidden = !(box.checked || scans.querySelector("input:checked") !== null);
          var group = document.getElementById("id_fields_" + box.value);
          if (!group) return;
          var used = group.querySelector("input:checked") !== null;
          group.hidden = !(box.checked || used);
          any = any || !group.hidden;
        });
        if (hint) hint.hidden = any;
      }
      boxes.forEach(function (box) { box.addEventListener("change", sync); });
      sync();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var lockForm = document.getElementById("lock-form");
    if (lockForm) autolock.start(lockForm);
    setupCopyButtons();
    setupReveal();
    setupBackoff();
    setupConfirmForms();
    setupUploads();
    setupRotation();
    setupShareFields();
    focusFirstError();
  });
})();
