/* Patrol pages: the phone's clock and position on check-ins and answers; number limits shown live.
   Submitting goes through the offline outbox (offline.js). No inline scripts: CSP is script-src 'self'. */
(function () {
  "use strict";

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  var CHECK_IN_KEY = "safegrid-check-in";
  var CHECK_IN_MAX_AGE_MS = 2 * 60 * 60 * 1000;

  function linkCheckIn(form) {
    var field = form.querySelector("input[name=check_in]");
    if (!field || field.value || !form.dataset.place) return;
    try {
      var scan = JSON.parse(sessionStorage.getItem(CHECK_IN_KEY) || "null");
      if (scan && scan.place === form.dataset.place && Date.now() - scan.at < CHECK_IN_MAX_AGE_MS) field.value = scan.id;
    } catch (e) { /* nothing stored */ }
  }

  function stampTime(form) {
    var field = form.querySelector("input[name=device_time]");
    if (field) field.value = new Date().toISOString();
  }

  function position(timeoutMs) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve(null);
      var settled = false;
      var timer = setTimeout(function () { if (!settled) { settled = true; resolve(null); } }, timeoutMs);
      navigator.geolocation.getCurrentPosition(function (pos) {
        if (settled) return;
        settled = true; clearTimeout(timer); resolve(pos.coords);
      }, function () {
        if (settled) return;
        settled = true; clearTimeout(timer); resolve(null);
      }, { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 });
    });
  }

  function checkIn(form) {
    var id = newId();
    form.querySelector("input[name=client_id]").value = id;
    stampTime(form);
    // The inspection started next at this place carries the check-in (kept for the browser tab, not in
    // the links: a link with a fresh query string would miss the page cached for offline use).
    try {
      sessionStorage.setItem(CHECK_IN_KEY, JSON.stringify({ id: id, place: form.dataset.place, at: Date.now() }));
    } catch (e) { /* storage full or disabled: the inspection is simply not linked */ }
    var status = form.querySelector("[data-check-in-status]");
    position(3000).then(function (coords) {
      if (coords) {
        form.querySelector("input[name=latitude]").value = coords.latitude.toFixed(6);
        form.querySelector("input[name=longitude]").value = coords.longitude.toFixed(6);
        form.querySelector("input[name=accuracy]").value = Math.round(coords.accuracy);
      }
      if (status) status.textContent = status.dataset.done || "";
      form.requestSubmit();
    });
  }

  function watchNumbers(form) {
    form.querySelectorAll("input[type=number][data-min], input[type=number][data-max]").forEach(function (input) {
      var item = input.closest("fieldset");
      function update() {
        var value = parseFloat(input.value);
        var min = input.dataset.min !== undefined ? parseFloat(input.dataset.min) : -Infinity;
        var max = input.dataset.max !== undefined ? parseFloat(input.dataset.max) : Infinity;
        item.classList.toggle("failing", !isNaN(value) && (value < min || value > max));
      }
      input.addEventListener("input", update);
      update();
    });
  }

  function init() {
    document.querySelectorAll("form[data-offline-form]").forEach(function (form) {
      stampTime(form);
      linkCheckIn(form);
      form.addEventListener("change", function () { stampTime(form); });
      watchNumbers(form);
      // Only through the outbox: without it a check-in would navigate away from the page.
      if (form.hasAttribute("data-check-in") && window.SafeGridOutbox) checkIn(form);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
