/* SafeGrid offline outbox: patrol forms keep working without a signal.

   A <form data-offline-form> is not submitted by the browser: its fields and photos are saved on the
   phone (IndexedDB "safegrid-outbox", store "items", key client_id) and then posted in the
   background, one at a time and oldest first, until the server accepts them. The server recognises a
   repeated client_id, so a submission sent twice (answer lost, second tab) is stored once.

   Server answers (request has Accept: application/json, X-CSRFToken, X-Client-Id):
     2xx {"ok": true, "redirect"?, "message"?}  accepted (or a duplicate): removed from the phone
     400/404/409/413/422, 403 with a JSON error  refused: kept as "error" until 重试 or 放弃
     401, 403 without JSON, any redirect        "login": kept, retried on the next page load
     network failure, 408, 429, 5xx             kept "pending", retried 5 s, 15 s, 30 s, then every 60 s
   Also here: the 在线/离线 badge ([data-connection]), the outbox list ([data-outbox]), registering the
   service worker (/sw.js), precaching [data-precache] links and clearing cached pages on the login
   page (body[data-offline-clear]). Labels come from the outbox include's data-l-* attributes.
   No inline scripts anywhere: CSP is script-src 'self'. Plain ES2020, no build step. */
(function () {
  "use strict";

  const DB_NAME = "safegrid-outbox";
  const STORE = "items";
  const LOCK_NAME = "safegrid-outbox-sync";
  const CHANNEL_NAME = "safegrid-outbox";
  const PAGE_CACHE_PREFIX = "safegrid-pages-";
  const SW_URL = "/sw.js";
  const DEFAULT_LOGIN_URL = "/accounts/login/";
  const BACKOFF_MS = [5000, 15000, 30000, 60000];
  const NEXT_PAGE_DELAY_MS = 1200;
  const LABELS_KEY = "safegrid-outbox-labels:";

  // ---------------------------------------------------------------- labels and small helpers

  function labelSource() {
    return document.querySelector("[data-outbox]");
  }

  // The labels of the last page that had the outbox include, for a page without one (same language).
  let remembered = null;
  function rememberedLabels() {
    if (remembered === null) {
      try { remembered = JSON.parse(localStorage.getItem(LABELS_KEY + document.documentElement.lang) || "{}"); }
      catch (e) { remembered = {}; }
    }
    return remembered;
  }

  function rememberLabels() {
    const source = labelSource();
    if (!source) return;
    const labels = {};
    Object.entries(source.dataset).forEach(([key, value]) => { if (/^l[A-Z]/.test(key)) labels[key] = value; });
    try { localStorage.setItem(LABELS_KEY + document.documentElement.lang, JSON.stringify(labels)); } catch (e) { /* full */ }
  }

  // A label from the outbox include (data-l-<name>), with {n}/{status} filled in; "" when absent.
  function label(name, values) {
    const source = labelSource();
    const key = "l" + name.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());
    let text = (source && source.dataset[key]) || rememberedLabels()[key] || "";
    Object.entries(values || {}).forEach(([k, v]) => { text = text.split("{" + k + "}").join(String(v)); });
    return text;
  }

  // The signed-in account as the page knows it ("" when the page does not say).
  function currentUser() {
    const el = document.querySelector("[data-outbox][data-user]:not([data-user=''])");
    return el ? el.dataset.user : "";
  }

  function loginUrl() {
    const source = labelSource();
    const base = (source && source.dataset.loginUrl) || DEFAULT_LOGIN_URL;
    return base + "?next=" + encodeURIComponent(location.pathname + location.search);
  }

  function randomHex(bytes) {
    const data = new Uint8Array(bytes);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(data);
    else for (let i = 0; i < bytes; i++) data[i] = Math.floor(Math.random() * 256);
    return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // A UUID4. crypto.randomUUID only exists in secure contexts (not http on a LAN address).
  function newClientId() {
    if (window.crypto && typeof crypto.randomUUID === "function") {
      try { return crypto.randomUUID(); } catch (e) { /* fall through */ }
    }
    const hex = randomHex(16).split("");
    hex[12] = "4";
    hex[16] = "89ab"[parseInt(hex[16], 16) & 3];
    const h = hex.join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|;\\s*)" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function isOffline() {
    return navigator.onLine === false;
  }

  // ---------------------------------------------------------------- IndexedDB

  let dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          if (!request.result.objectStoreNames.contains(STORE)) {
            request.result.createObjectStore(STORE, { keyPath: "client_id" });
          }
        };
        request.onsuccess = () => {
          const db = request.result;
          db.onversionchange = () => { db.close(); dbPromise = null; };
          db.onclose = () => { dbPromise = null; };
          resolve(db);
        };
        request.onerror = () => { dbPromise = null; reject(request.error); };
      });
    }
    return dbPromise;
  }

  // Runs fn(store) in one transaction; resolves with the last request's result once it commits.
  async function withStore(mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      let result;
      const request = fn(tx.objectStore(STORE));
      if (request) request.onsuccess = () => { result = request.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("aborted"));
    });
  }

  async function allItems() {
    const items = (await withStore("readonly", (store) => store.getAll())) || [];
    return items.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
  }

  const getItem = (id) => withStore("readonly", (store) => store.get(id));
  const putItem = (item) => withStore("readwrite", (store) => store.put(item));
  const deleteItem = (id) => withStore("readwrite", (store) => store.delete(id));

  async function updateItem(id, changes) {
    const item = await getItem(id);
    if (item) await putItem(Object.assign(item, changes));
  }

  // ---------------------------------------------------------------- saving a form

  // The form's data as plain fields and file blobs. The bytes are copied now: a camera photo's
  // temporary file may be gone by the time the phone has a signal.
  async function serialise(form, submitter) {
    let data;
    try { data = new FormData(form, submitter || undefined); } catch (e) { data = new FormData(form); }
    const fields = [];
    const files = [];
    let csrf = "";
    for (const [name, value] of data.entries()) {
      if (typeof value === "string") {
        // Sent as a header at send time instead: a token saved with the item may be stale by then.
        if (name === "csrfmiddlewaretoken") csrf = value;
        else fields.push([name, value]);
      } else if (value && (value.name || value.size)) {
        const bytes = await value.arrayBuffer();
        files.push([name, new Blob([bytes], { type: value.type || "application/octet-stream" }), value.name || "file"]);
      }
    }
    return { fields, files, csrf };
  }

  function statusBox(form) {
    let box = form.querySelector("[data-offline-status]");
    if (!box) {
      box = document.createElement("p");
      box.className = "outbox-status";
      box.setAttribute("data-offline-status", "");
      box.setAttribute("role", "status");
      box.hidden = true;
      form.appendChild(box);
    }
    return box;
  }

  function showStatus(form, kind, text, withLoginLink) {
    const box = statusBox(form);
    box.textContent = text;
    box.className = "outbox-status " + kind;
    if (withLoginLink) {
      const link = document.createElement("a");
      link.href = loginUrl();
      link.textContent = label("login-link");
      box.append(" ", link);
    }
    box.hidden = !text;
  }

  function submitButtons(form) {
    const inside = Array.from(form.querySelectorAll("button:not([type=button]):not([type=reset]), input[type=submit]"));
    const id = form.getAttribute("id");
    const outside = id ? Array.from(document.querySelectorAll('[form="' + CSS.escape(id) + '"]')) : [];
    return inside.concat(outside);
  }

  const busyForms = new WeakSet();
  // client_id of this page's own submission that the server refused: replaced by the corrected one.
  const refusedOnPage = new WeakMap();

  async function onSubmit(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-offline-form")) return;
    if (event.defaultPrevented || !window.indexedDB) return;
    // getAttribute: form.action would be a field if one were named "action".
    const action = new URL(form.getAttribute("action") || location.href, location.href);
    if (action.origin !== location.origin) return;
    event.preventDefault();
    if (busyForms.has(form)) return;
    if (!form.hasAttribute("novalidate") && !HTMLFormElement.prototype.reportValidity.call(form)) return;

    busyForms.add(form);
    const buttons = submitButtons(form).filter((b) => !b.disabled);
    buttons.forEach((b) => { b.disabled = true; });
    showStatus(form, "saving", label("saving"));
    const idField = form.querySelector('input[name="client_id"]');
    let saved = false;
    let leaving = false;
    try {
      if (idField && !idField.value) idField.value = newClientId();
      const clientId = idField ? idField.value : newClientId();
      const { fields, files, csrf } = await serialise(form, event.submitter);
      if (!idField) fields.push(["client_id", clientId]);
      const refused = refusedOnPage.get(form);
      if (refused && refused !== clientId) {
        const old = await getItem(refused);
        if (old && old.state === "error") await deleteItem(refused);
      }
      await putItem({
        client_id: clientId,
        action: action.href,
        fields,
        files,
        label: form.dataset.offlineLabel || document.title,
        created_at: new Date().toISOString(),
        state: "pending",
        error: "",
        csrf,
        user: currentUser(),
        page: location.href,
        attempts: 0,
      });
      saved = true;
      // The next press of 提交 is a new submission; this one now lives in the outbox.
      if (idField) idField.value = "";
      changed();
      leaving = await afterSave(form, clientId);
    } catch (error) {
      if (!saved && !isOffline()) {
        // No IndexedDB (private mode, storage full): submit the ordinary way; client_id still guards it.
        leaving = true;
        HTMLFormElement.prototype.submit.call(form);
        return;
      }
      showStatus(form, "error", label("save-failed"));
    } finally {
      // Going to another page: the buttons stay disabled so nothing is submitted twice meanwhile.
      if (!leaving) {
        busyForms.delete(form);
        buttons.forEach((b) => { b.disabled = false; });
      }
    }
  }

  function resetForm(form) {
    HTMLFormElement.prototype.reset.call(form);
  }

  // Tells the person what became of the submission; true when the page is being left.
  async function afterSave(form, clientId) {
    const result = isOffline() ? { kind: "retry" } : await syncFor(clientId);
    if (result.kind === "ok") {
      if (result.redirect) {
        location.assign(result.redirect);
        return true;
      }
      resetForm(form);
      showStatus(form, "ok", result.message || label("done"));
    } else if (result.kind === "error") {
      refusedOnPage.set(form, clientId);
      showStatus(form, "error", result.error);
    } else if (result.kind === "login") {
      resetForm(form);
      showStatus(form, "login", label("login-needed"), true);
    } else {
      showStatus(form, "queued", label("saved-offline"));
      const next = form.dataset.offlineNext;
      if (next) {
        setTimeout(() => location.assign(next), NEXT_PAGE_DELAY_MS);
        return true;
      }
      resetForm(form);
    }
    return false;
  }

  // ---------------------------------------------------------------- sending

  function requestTimeout(item) {
    const bytes = item.files.reduce((sum, [, blob]) => sum + blob.size, 0);
    // About 20 kB/s on a weak signal, at least 30 s, at most 10 min.
    return Math.min(600000, 30000 + Math.round(bytes / 20));
  }

  async function readJson(response) {
    if (!(response.headers.get("Content-Type") || "").includes("json")) return null;
    try { return await response.json(); } catch (e) { return null; }
  }

  // One POST; answers {kind: "ok"|"error"|"login"|"retry", ...}.
  async function send(item) {
    const token = cookie("csrftoken") || item.csrf || "";
    const body = new FormData();
    item.fields.forEach(([name, value]) => body.append(name, value));
    item.files.forEach(([name, blob, filename]) => body.append(name, blob, filename));
    if (token) body.append("csrfmiddlewaretoken", token);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), requestTimeout(item));
    let response;
    try {
      response = await fetch(item.action, {
        method: "POST",
        body,
        headers: { "Accept": "application/json", "X-CSRFToken": token, "X-Client-Id": item.client_id },
        credentials: "same-origin",
        redirect: "manual",
        cache: "no-store",
        signal: controller.signal,
      });
    } catch (e) {
      return { kind: "retry" };
    } finally {
      clearTimeout(timer);
    }
    // A redirect answers a JSON request only when the session is gone (login) or a password must be changed.
    if (response.type === "opaqueredirect") return { kind: "login" };
    if (response.redirected && new URL(response.url).pathname.startsWith(DEFAULT_LOGIN_URL)) return { kind: "login" };
    const status = response.status;
    const payload = await readJson(response);
    if (status >= 200 && status < 300) {
      if (payload && payload.ok === true) return { kind: "ok", redirect: payload.redirect || "", message: payload.message || "" };
      if (payload && payload.ok === false) return { kind: "error", error: payload.error || label("bad-answer", { status }) };
      return { kind: "error", error: label("bad-answer", { status }) };
    }
    if (status === 401) return { kind: "login" };
    if (status === 403) {
      // Django's CSRF failure and a lost session answer HTML; a view refusing on purpose answers JSON.
      if (payload && payload.error) return { kind: "error", error: payload.error };
      return { kind: "login" };
    }
    if (status === 408 || status === 429 || status >= 500) return { kind: "retry" };
    return { kind: "error", error: (payload && payload.error) || label("bad-answer", { status }) };
  }

  // ---------------------------------------------------------------- the sync loop

  let running = null; // the run in progress
  let queued = null; // the run that starts when it ends
  let sendingId = "";
  let backoffStep = 0;
  let backoffTimer = null;
  const results = new Map(); // client_id → last result, for the page that just submitted it

  function mayHandle(item, user) {
    if (item.state !== "pending" && item.state !== "login") return false;
    // Never send one account's submission under another's session (shared phones).
    return !item.user || item.user === user;
  }

  async function runOnce() {
    const user = currentUser();
    const tried = new Set();
    let outcome = "done";
    for (;;) {
      if (isOffline()) { outcome = "retry"; break; }
      const item = (await allItems()).find((i) => !tried.has(i.client_id) && mayHandle(i, user));
      if (!item) break;
      tried.add(item.client_id);
      sendingId = item.client_id;
      render();
      const result = await send(item);
      sendingId = "";
      results.set(item.client_id, result);
      if (result.kind === "ok") {
        await deleteItem(item.client_id);
        backoffStep = 0;
      } else if (result.kind === "error") {
        await updateItem(item.client_id, { state: "error", error: result.error });
      } else if (result.kind === "login") {
        await updateItem(item.client_id, { state: "login", error: "" });
        outcome = "login";
        break;
      } else {
        await updateItem(item.client_id, { state: "pending", error: "", attempts: (item.attempts || 0) + 1 });
        outcome = "retry";
        break;
      }
      changed();
    }
    return outcome;
  }

  async function runGuarded() {
    let outcome = "done";
    try {
      if (navigator.locks && navigator.locks.request) {
        outcome = await navigator.locks.request(LOCK_NAME, runOnce);
      } else {
        outcome = await runOnce();
      }
    } catch (e) {
      outcome = "retry";
    }
    sendingId = "";
    scheduleRetry(outcome === "retry");
    await changed(true);
  }

  // Starts a sync run, or queues one behind the running one; never two at once in this page
  // (and, through the Web Lock, in this browser). Resolves when the run that covers this call ends.
  function sync() {
    if (!window.indexedDB) return Promise.resolve();
    if (!running) {
      running = runGuarded().finally(() => { running = null; });
      return running;
    }
    if (!queued) {
      queued = running.then(() => { queued = null; return sync(); });
    }
    return queued;
  }

  async function syncFor(clientId) {
    results.delete(clientId);
    await sync();
    return results.get(clientId) || { kind: "retry" };
  }

  function scheduleRetry(needed) {
    clearTimeout(backoffTimer);
    backoffTimer = null;
    if (!needed) return;
    if (isOffline()) return; // the online event starts the next run
    const delay = BACKOFF_MS[Math.min(backoffStep, BACKOFF_MS.length - 1)];
    backoffStep += 1;
    backoffTimer = setTimeout(sync, delay);
  }

  // ---------------------------------------------------------------- showing the outbox

  let channel = null;
  try { channel = new BroadcastChannel(CHANNEL_NAME); } catch (e) { channel = null; }

  // After every change: redraw and tell other tabs; after a sync run (announce), also tell the page
  // how many are waiting: window event "safegrid:outbox", detail {pending, errors, login}.
  async function changed(announce) {
    const items = await render();
    if (channel) channel.postMessage("changed");
    if (items && announce) {
      const count = (state) => items.filter((i) => i.state === state).length;
      window.dispatchEvent(new CustomEvent("safegrid:outbox", {
        detail: { pending: items.length, errors: count("error"), login: count("login") },
      }));
    }
  }

  function timeLabel(iso) {
    try {
      return new Date(iso).toLocaleString(document.documentElement.lang || undefined, {
        month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
      });
    } catch (e) {
      return iso;
    }
  }

  function stateOf(item, user) {
    if (item.client_id === sendingId) return "sending";
    if (user && item.user && item.user !== user && item.state !== "error") return "other-user";
    if (item.state === "pending" && isOffline()) return "waiting-network";
    return item.state;
  }

  function button(text, className, attribute, id) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn small " + className;
    b.setAttribute(attribute, id);
    b.textContent = text;
    return b;
  }

  function renderItem(item, user) {
    const state = stateOf(item, user);
    const li = document.createElement("li");
    li.className = "outbox-item state-" + state;
    li.dataset.clientId = item.client_id;
    const name = document.createElement("span");
    name.className = "outbox-label";
    name.textContent = item.label;
    const meta = document.createElement("small");
    meta.className = "outbox-meta";
    meta.textContent = timeLabel(item.created_at) + " · " + label(state);
    li.append(name, meta);
    if (state === "error") {
      const error = document.createElement("p");
      error.className = "outbox-error";
      error.setAttribute("role", "alert");
      error.textContent = item.error;
      const actions = document.createElement("div");
      actions.className = "outbox-actions";
      actions.append(button(label("retry"), "secondary", "data-outbox-retry", item.client_id),
        button(label("discard"), "danger", "data-outbox-discard", item.client_id));
      li.append(error, actions);
    }
    return li;
  }

  async function render() {
    const boxes = document.querySelectorAll("[data-outbox]");
    let items;
    try { items = window.indexedDB ? await allItems() : []; } catch (e) { return null; }
    const user = currentUser();
    boxes.forEach((box) => {
      box.hidden = items.length === 0;
      const count = box.querySelector("[data-outbox-count]");
      if (count) count.textContent = label("count", { n: items.length });
      const list = box.querySelector("[data-outbox-list]");
      if (list) list.replaceChildren(...items.map((item) => renderItem(item, user)));
      const login = box.querySelector("[data-outbox-login]");
      if (login) login.hidden = !items.some((i) => i.state === "login" && (!i.user || i.user === user));
      const link = box.querySelector("[data-outbox-login-link]");
      if (link) link.href = loginUrl();
    });
    return items;
  }

  function showConnection() {
    const offline = isOffline();
    document.querySelectorAll("[data-connection]").forEach((el) => {
      const text = offline ? (el.dataset.offline || label("offline")) : (el.dataset.online || label("online"));
      if (text) el.textContent = text;
      el.classList.toggle("is-offline", offline);
      el.classList.toggle("is-online", !offline);
    });
  }

  async function onClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const syncButton = target.closest("[data-outbox-sync]");
    if (syncButton) {
      backoffStep = 0;
      sync();
      return;
    }
    const retry = target.closest("[data-outbox-retry]");
    if (retry) {
      await updateItem(retry.getAttribute("data-outbox-retry"), { state: "pending", error: "" });
      backoffStep = 0;
      sync();
      return;
    }
    const discard = target.closest("[data-outbox-discard]");
    if (discard && window.confirm(label("confirm-discard"))) {
      await deleteItem(discard.getAttribute("data-outbox-discard"));
      changed(true);
    }
  }

  // ---------------------------------------------------------------- service worker and caches

  function worker() {
    if (!("serviceWorker" in navigator)) return Promise.resolve(null);
    return navigator.serviceWorker.ready.then((registration) => registration.active);
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(SW_URL, { scope: "/", updateViaCache: "none" }).catch(() => {});
  }

  // Today's task list marks each task's form with data-precache: cache them while there is a signal.
  function precacheLinks() {
    const urls = Array.from(document.querySelectorAll("[data-precache]"))
      .map((el) => el.getAttribute("data-precache") || el.getAttribute("href"))
      .filter(Boolean)
      .map((url) => new URL(url, location.href))
      .filter((url) => url.origin === location.origin)
      .map((url) => url.href);
    if (!urls.length || isOffline()) return;
    worker().then((active) => { if (active) active.postMessage({ type: "precache", urls }); });
  }

  // The login page: a shared phone must not show the previous user's patrol pages. The outbox stays.
  function clearPages() {
    if (window.caches) {
      caches.keys()
        .then((names) => Promise.all(names.filter((n) => n.startsWith(PAGE_CACHE_PREFIX)).map((n) => caches.delete(n))))
        .catch(() => {});
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.getRegistration("/").then((registration) => {
        const active = registration && registration.active;
        if (active) active.postMessage({ type: "clear-pages" });
      }).catch(() => {});
    }
  }

  // ---------------------------------------------------------------- the offline page standing in

  // The worker's copy of the offline page, shown in place of a page it had no copy of. With a signal it
  // loads the page that was asked for, as soon as the server answers (the "online" event often comes
  // before the network works); the delay grows across reloads while it does not.
  const STANDIN_KEY = "safegrid-standin-step";
  let reloadTimer = null;

  function isStandIn() {
    return Boolean(document.querySelector("[data-offline-standin]"));
  }

  function nextStandInDelay() {
    let step = 0;
    try {
      step = parseInt(sessionStorage.getItem(STANDIN_KEY) || "0", 10) || 0;
      sessionStorage.setItem(STANDIN_KEY, String(step + 1));
    } catch (e) { /* private mode */ }
    return BACKOFF_MS[Math.min(step, BACKOFF_MS.length - 1)];
  }

  function reloadWhenReachable(delay) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      if (isOffline()) return;
      fetch(location.href, { method: "HEAD", credentials: "same-origin", cache: "no-store", redirect: "manual" })
        .then(() => location.reload(), () => reloadWhenReachable(nextStandInDelay()));
    }, delay);
  }

  // ---------------------------------------------------------------- start

  function start() {
    document.addEventListener("submit", onSubmit);
    document.addEventListener("click", onClick);
    window.addEventListener("online", () => {
      if (isStandIn()) {
        reloadWhenReachable(1000);
        return;
      }
      showConnection();
      backoffStep = 0;
      sync();
    });
    window.addEventListener("offline", () => { showConnection(); render(); });
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") sync(); });
    if (channel) channel.onmessage = () => { render(); };
    // Pages back from the back/forward cache run no scripts again; htmx may swap in an outbox.
    window.addEventListener("pageshow", (event) => { if (event.persisted) { showConnection(); render(); sync(); } });
    document.addEventListener("htmx:afterSettle", () => { showConnection(); render(); });
    rememberLabels();
    showConnection();
    if (isStandIn()) {
      if (!isOffline()) reloadWhenReachable(nextStandInDelay());
    } else {
      try { sessionStorage.removeItem(STANDIN_KEY); } catch (e) { /* private mode */ }
    }
    if (document.body && document.body.hasAttribute("data-offline-clear")) clearPages();
    registerWorker();
    precacheLinks();
    render();
    sync();
  }

  window.SafeGridOutbox = { sync, items: allItems, newClientId, render };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
