/* SafeGrid service worker: patrol pages open without a signal.

   Served as /sw.js (scope "/") by inspections.pwa.service_worker, which puts a line in front of this
   file: self.SAFEGRID_SW = {version, offline, precache}. The version changes whenever this script,
   the precached files or their URLs change, so a deploy installs a new worker and drops old caches.

   - install: precache the offline page (fetched without cookies: it must show nobody's name) and the
     static files every patrol page needs;
   - page navigations under /patrol/ and /q/: network first; a slow network (4 s) is answered from the
     cached copy when there is one; every 200 answer that was not a redirect is cached; no network and
     no copy → the offline page;
   - GET /static/…: cache first (file names with a content hash never change; others are refreshed in
     the background for the next load);
   - everything else (POST, API, other pages) goes straight to the network: the outbox (offline.js,
     IndexedDB) does the offline submitting, not this worker;
   - messages: {type: "precache", urls} caches those pages now; {type: "clear-pages"} forgets cached
     pages (the login page asks, so a shared phone does not show the last user's pages). */
"use strict";

const CONFIG = self.SAFEGRID_SW || {
  version: "dev",
  offline: "/patrol/offline/?standin=1",
  precache: ["/patrol/offline/?standin=1", "/static/core/safegrid.css", "/static/inspections/offline.js"],
};
const STATIC_CACHE = "safegrid-static-" + CONFIG.version;
const PAGES_CACHE = "safegrid-pages-" + CONFIG.version;
const PAGE_PREFIXES = ["/patrol/", "/q/"];
const NETWORK_TIMEOUT_MS = 4000;
const MAX_PRECACHE = 60;
// Pages precached less than this long ago are not fetched again (weak signal, metered data).
const PRECACHE_FRESH_MS = 10 * 60 * 1000;
// ManifestStaticFilesStorage names: name.<12 hex>.ext
const HASHED_NAME = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;
const MATCH = { ignoreVary: true };

function isPage(url) {
  return url.origin === self.location.origin && PAGE_PREFIXES.some((prefix) => url.pathname.startsWith(prefix));
}

function cacheable(response) {
  return response && response.status === 200 && response.type === "basic" && !response.redirected;
}

// ------------------------------------------------------------------ install and activate

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await Promise.all(CONFIG.precache.map(async (url) => {
      const isOfflinePage = url === CONFIG.offline;
      try {
        const response = await fetch(new Request(url, { credentials: isOfflinePage ? "omit" : "same-origin", cache: "reload" }));
        if (!cacheable(response)) throw new Error(url + ": " + response.status);
        await cache.put(url, response);
      } catch (error) {
        // Without the offline page the worker is no use: fail the install, the browser tries again later.
        if (isOfflinePage) throw error;
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([STATIC_CACHE, PAGES_CACHE]);
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith("safegrid-") && !keep.has(name))
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

// ------------------------------------------------------------------ fetch

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(event));
  }
});

async function offlinePage() {
  const cache = await caches.open(STATIC_CACHE);
  return cache.match(CONFIG.offline, MATCH);
}

async function cachedPage(url) {
  const cache = await caches.open(PAGES_CACHE);
  return cache.match(url, MATCH);
}

// The static files a page links to (its CSS and scripts), so a page cached without ever having been
// displayed (precache) still looks and works right offline.
function staticLinks(html) {
  const links = new Set();
  const pattern = /(?:src|href)="(\/static\/[^"?#&]+)"/g;
  let match;
  while ((match = pattern.exec(html)) !== null) links.add(match[1]);
  return Array.from(links);
}

async function storePage(url, response) {
  const pages = await caches.open(PAGES_CACHE);
  const html = await response.clone().text();
  await pages.put(url, response);
  const statics = await caches.open(STATIC_CACHE);
  for (const link of staticLinks(html)) {
    if (await statics.match(link, MATCH)) continue;
    try {
      const file = await fetch(link);
      if (cacheable(file)) await statics.put(link, file);
    } catch (error) {
      // next time
    }
  }
}

function page(event) {
  const request = event.request;
  const cached = cachedPage(request.url);
  const network = fetch(request).then((response) => {
    if (cacheable(response)) {
      const copy = response.clone();
      const stored = storePage(request.url, copy).catch(() => {});
      try { event.waitUntil(stored); } catch (error) { /* the event already ended; the write goes on */ }
    }
    return response;
  });
  return new Promise((resolve) => {
    let answered = false;
    const answer = (response) => {
      if (!answered) {
        answered = true;
        resolve(response);
      }
    };
    const fallback = async () => (await cached) || (await offlinePage()) || Response.error();
    // Slow network: a cached copy now beats a blank screen; without one, keep waiting.
    const timer = setTimeout(async () => {
      const copy = await cached;
      if (copy) answer(copy);
    }, NETWORK_TIMEOUT_MS);
    network.then(async (response) => {
      clearTimeout(timer);
      // A gateway error usually means the school's link is down, not the page: prefer our copy.
      if ([502, 503, 504].includes(response.status)) answer((await cached) || response);
      else answer(response);
    }, async () => {
      clearTimeout(timer);
      answer(await fallback());
    });
  });
}

async function staticFile(event) {
  const request = event.request;
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(request, MATCH);
  const refresh = () => fetch(request).then(async (response) => {
    if (cacheable(response)) await cache.put(request, response.clone());
    return response;
  });
  if (!hit) return refresh();
  if (!HASHED_NAME.test(new URL(request.url).pathname)) {
    // An unhashed name (development, plain-http setups) may change under us: refresh for next time.
    try { event.waitUntil(refresh().catch(() => {})); } catch (error) { /* the event already ended */ }
  }
  return hit;
}

// ------------------------------------------------------------------ messages from pages

async function precache(urls) {
  const done = [];
  const wanted = Array.from(new Set((Array.isArray(urls) ? urls : []).filter((u) => typeof u === "string")))
    .map((u) => new URL(u, self.location.origin))
    .filter(isPage)
    .slice(0, MAX_PRECACHE);
  const pages = await caches.open(PAGES_CACHE);
  // One at a time: a weak signal is better spent finishing pages than starting many.
  for (const url of wanted) {
    const copy = await pages.match(url.href, MATCH);
    const fetchedAt = copy ? Date.parse(copy.headers.get("Date") || "") : NaN;
    if (copy && Date.now() - fetchedAt < PRECACHE_FRESH_MS) {
      done.push(url.href);
      continue;
    }
    try {
      const response = await fetch(url.href, { credentials: "same-origin" });
      if (cacheable(response)) {
        await storePage(url.href, response);
        done.push(url.href);
      }
    } catch (error) {
      break; // no network: the rest would fail too
    }
  }
  return done;
}

async function clearPages() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith("safegrid-pages-")).map((name) => caches.delete(name)));
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (message) => { if (event.source) event.source.postMessage(message); };
  if (data.type === "precache") {
    event.waitUntil(precache(data.urls).then((urls) => reply({ type: "precached", urls })));
  } else if (data.type === "clear-pages") {
    event.waitUntil(clearPages().then(() => reply({ type: "pages-cleared" })));
  }
});
