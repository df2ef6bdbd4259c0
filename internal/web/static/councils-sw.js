// Service worker of the council pages (issue 21 item 2). Served from
// /councils/sw.js, scope /councils/. It keeps the meeting pages and the
// families' screens at a meeting the secretary opened, and the static
// files they use, so that they open without a network during the meeting.
// Pages come from the network when there is one (and refresh the copy) and
// from the copy when there is none. Decisions never pass through here:
// councils.js queues them in IndexedDB. Logging out removes all of it
// (Clear-Site-Data, forget.js).
const CACHE = 'opora-council-v1';
const STATIC = ['/static/opora.css', '/static/htmx.min.js', '/static/logout.js', '/static/councils.js', '/static/favicon.svg'];

self.addEventListener('install', e => {
  e.waitUntil(caches.open(CACHE).then(c => c.addAll(STATIC)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', e => {
  e.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(k => k.startsWith('opora-council-') && k !== CACHE).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

const page = /^\/councils\/\d+\/meetings\/\d+(\/families\/\d+)?$/;

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
  if (page.test(u.pathname) && !u.search) {
    e.respondWith(fetch(r).then(res => {
      if (res.ok && !res.redirected) {
        const copy = res.clone();
        caches.open(CACHE).then(c => c.put(u.pathname, copy));
      } else if (res.redirected || res.status === 401 || res.status === 403 || res.status === 404) {
        // Logged out, or no longer the user's meeting: it must not stay.
        caches.open(CACHE).then(c => c.delete(u.pathname));
      }
      return res;
    }).catch(() => caches.match(u.pathname, {cacheName: CACHE}).then(m => m || Response.error())));
  }
});
