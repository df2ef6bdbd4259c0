// Service worker of the duty worker's check-in page. Served from
// /checkin/sw.js (scope /checkin/) with __VERSION__ replaced by the assets'
// version. The page, its CSS and JS and the point's regulars come from the
// network when there is one and from this cache when there is none. Ticks
// never pass through here: the page queues them in IndexedDB.
const V = '__VERSION__';
const CACHE = 'opora-checkin-' + V;
const STATIC = ['/static/checkin.css?v=' + V, '/static/checkin.js?v=' + V];

self.addEventListener('install', e => {
  e.waitUntil(caches.open(CACHE).then(c => c.addAll(STATIC)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', e => {
  e.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(k => k.startsWith('opora-checkin-') && k !== CACHE).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

const page = /^\/checkin\/\d+(\/people\.json)?$/;

self.addEventListener('fetch', e => {
  const r = e.request;
  if (r.method !== 'GET') return;
  const u = new URL(r.url);
  if (u.origin !== location.origin) return;
  if (u.pathname.startsWith('/static/checkin.')) {
    e.respondWith(caches.match(r).then(m => m || fetch(r).then(res => {
      if (res.ok) { const copy = res.clone(); caches.open(CACHE).then(c => c.put(r, copy)); }
      return res;
    })));
    return;
  }
  if (page.test(u.pathname)) {
    e.respondWith(fetch(r).then(res => {
      if (res.ok && !res.redirected) { const copy = res.clone(); caches.open(CACHE).then(c => c.put(u.pathname, copy)); }
      else if (res.redirected || res.status === 401 || res.status === 403 || res.status === 404) {
        // Logged out, or no longer allowed: the shift's page and regulars
        // must not stay on the phone.
        const base = u.pathname.replace(/\/people\.json$/, '');
        caches.open(CACHE).then(c => Promise.all([c.delete(base), c.delete(base + '/people.json')]));
      }
      return res;
    }).catch(() => caches.match(u.pathname, {cacheName: CACHE}).then(m => m || Response.error())));
  }
});
