// Service worker of the families pages (issue 20). Served from
// /families/sw.js, scope /families/. It keeps the family cards and visit
// forms the curator opened or that visits.js put aside («Мои семьи»), and
// the static files they use, so that they open without a network. Pages
// come from the network when there is one (and refresh the copy) and from
// the copy when there is none. Visits never pass through here: visits.js
// queues them in IndexedDB. Logging out removes all of it (Clear-Site-Data,
// forget.js).
const CACHE = 'opora-families-v1';
const STATIC = ['/static/opora.css', '/static/htmx.min.js', '/static/logout.js', '/static/visits.js', '/static/favicon.svg'];

self.addEventListener('install', e => {
  e.waitUntil(caches.open(CACHE).then(c => c.addAll(STATIC)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', e => {
  e.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(k => k.startsWith('opora-families-') && k !== CACHE).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

const page = /^\/families\/\d+(\/visits\/new)?$/;

self.addEventListener('fetch', e => {
  const r = e.request;
  if (r.method !== 'GET') return;
  const u = new URL(r.url);
  if (u.origin !== location.origin) return;
  if (STATIC.includes(u.pathname)) {
    e.respondWith(fetch(r).then(res => {
      if (res.ok) { const copy = res.clone(); caches.open(CACHE).then(c => c.put(u.pathname, copy)); }
      return res;
    }).catch(() => caches.match(u.pathname, {cacheName: CACHE}).then(m => m || Response.error())));
    return;
  }
  if (page.test(u.pathname)) {
    e.respondWith(fetch(r).then(res => {
      if (res.ok && !res.redirected) {
        const copy = res.clone();
        caches.open(CACHE).then(c => c.put(u.pathname, copy));
      } else if (res.redirected || res.status === 401 || res.status === 403 || res.status === 404) {
        // Logged out, or the family is no longer the user's: it must not
        // stay on the device.
        caches.open(CACHE).then(c => c.delete(u.pathname));
      }
      return res;
    }).catch(() => caches.match(u.pathname, {cacheName: CACHE}).then(m => m || Response.error())));
  }
});
