// Runs on the login page right after a logout. The check-in page keeps the
// point's regulars (names, flags, photos) and its queue on the phone for
// working offline, the families pages the curator's family cards and the
// visits not sent yet (visits.js, families-sw.js), the council secretary's
// meeting pages and unsent decisions (councils.js, councils-sw.js); the logout answer's Clear-Site-Data removes them over
// https, and this does the same where the browser ignores that header
// (plain http on a local network).
(() => {
  'use strict';
  if (window.caches) {
    caches.keys()
      .then(keys => Promise.all(keys.filter(k => k.startsWith('opora-checkin-') || k.startsWith('opora-families-') || k.startsWith('opora-council-')).map(k => caches.delete(k))))
      .catch(() => {});
  }
  if (window.indexedDB) {
    for (const name of ['opora-checkin', 'opora-visits', 'opora-council']) {
      try { indexedDB.deleteDatabase(name); } catch (err) { /* nothing kept */ }
    }
  }
  if (navigator.serviceWorker) {
    navigator.serviceWorker.getRegistrations()
      .then(rs => Promise.all(rs.filter(r => /^\/(checkin|families|councils)\//.test(new URL(r.scope).pathname)).map(r => r.unregister())))
      .catch(() => {});
  }
})();
