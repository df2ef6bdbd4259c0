// Council decisions without a network (issue 21 item 2). On a meeting's
// page and a family's screen at the meeting: registers the council service
// worker (/councils/sw.js), keeps the meeting page on the laptop
// (data-cache), and sends the queue of decisions entered offline. On the
// family's screen, a decision's form goes as usual when the server answers;
// without a network it is queued in IndexedDB ("opora-council") under a
// UUID made here — the form's fields as they would have been posted — so
// that sending the queue again never applies it twice. The queue goes to
// POST /councils/decisions/sync on load, when the network is back and
// every 10 seconds. A decision that no longer applies is held by the
// server and listed on the meeting page («Решения, требующие проверки»).
(() => {
  'use strict';
  const bar = document.getElementById('council-offline');
  if (!bar || !window.indexedDB) return;
  const T = bar.dataset.config ? JSON.parse(bar.dataset.config).t : {};
  const council = Number(bar.dataset.council), meeting = Number(bar.dataset.meeting), family = Number(bar.dataset.family || 0);
  const CACHE = 'opora-council-v1';
  const NOTES = 'opora-council-notes';
  let db = null, sending = false, offline = !navigator.onLine, pending = 0, note = '';

  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() :
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, c =>
      (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16)));

  const openDB = () => new Promise((ok, fail) => {
    const r = indexedDB.open('opora-council', 1);
    r.onupgradeneeded = () => { r.result.createObjectStore('queue', {keyPath: 'id'}); };
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const tx = (mode, fn) => new Promise((ok, fail) => {
    const t = db.transaction('queue', mode);
    const req = fn(t.objectStore('queue'));
    t.oncomplete = () => ok(req && req.result);
    t.onerror = () => fail(t.error);
  });
  const all = () => tx('readonly', s => s.getAll());
  const put = v => tx('readwrite', s => s.put(v));
  const del = ids => tx('readwrite', s => { ids.forEach(id => s.delete(id)); });

  function show() {
    const q = document.getElementById('council-queue');
    if (!q) return;
    const parts = [];
    if (offline) parts.push(T.offline);
    if (pending) parts.push(T.pending.replace('{n}', pending));
    if (note) parts.push(note);
    q.textContent = parts.join(' · ');
    q.hidden = parts.length === 0;
  }
  async function count() {
    pending = (await all()).length;
    show();
  }

  // send posts the queue in parts of 100; the server answers each entry
  // (applied, held, duplicate: done; refused: said and dropped).
  async function send() {
    if (sending || !db) return;
    sending = true;
    try {
      const queue = await all();
      pending = queue.length;
      if (!queue.length) { show(); return; }
      const notes = [];
      let done = 0;
      for (let i = 0; i < queue.length; i += 100) {
        const part = queue.slice(i, i + 100);
        let res;
        try {
          res = await fetch('/councils/decisions/sync', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
            body: JSON.stringify({entries: part})});
        } catch (err) {
          offline = true;
          show();
          return;
        }
        offline = false;
        if (res.status === 401) { note = T.login; show(); return; }
        if (!res.ok) { note = T.failed; show(); return; }
        const body = await res.json();
        const gone = [];
        for (const r of body.results || []) {
          gone.push(r.id);
          done++;
          if (r.status === 'held') notes.push(T.held.replace('{msg}', r.message || ''));
          if (r.status === 'refused') notes.push(T.refused.replace('{msg}', r.message || ''));
        }
        await del(gone);
      }
      note = '';
      await count();
      if (done) {
        // Show what was decided (and what is held) from the server's page.
        if (notes.length) sessionStorage.setItem(NOTES, notes.join('\n'));
        location.reload();
      }
    } finally {
      sending = false;
    }
  }

  // Keep the meeting page and this page on the laptop.
  async function keep() {
    if (!window.caches) return;
    const c = await caches.open(CACHE);
    for (const u of [...(bar.dataset.cache || '').split(' '), location.pathname]) {
      if (!u) continue;
      try {
        const res = await fetch(u, {credentials: 'same-origin'});
        if (res.ok && !res.redirected) await c.put(u, res);
        else await c.delete(u);
      } catch (err) {
        return;
      }
    }
  }

  // The decision forms of the family's screen.
  const kinds = /\/(approve|reassign|status|review|close)$/;
  function entryOf(form) {
    const fields = {};
    for (const [k, v] of new FormData(form)) {
      if (typeof v !== 'string') continue;
      (fields[k] = fields[k] || []).push(v);
    }
    return {id: uuid(), council, meeting, family, kind: new URL(form.action).pathname.match(kinds)[1], fields,
      entered_at: new Date().toISOString()};
  }
  async function queueForm(form) {
    await put(entryOf(form));
    offline = true;
    note = T.queued;
    form.reset();
    await count();
  }
  if (family) {
    for (const form of document.querySelectorAll('form[method="post"]')) {
      if (!kinds.test(new URL(form.action).pathname)) continue;
      form.addEventListener('submit', async ev => {
        ev.preventDefault();
        if (!navigator.onLine) { await queueForm(form); return; }
        let res;
        try {
          res = await fetch(form.action, {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams(new FormData(form))});
        } catch (err) {
          await queueForm(form);
          return;
        }
        if (res.redirected) { location.assign(res.url); return; }
        // Errors: post again the ordinary way to see them next to the fields.
        HTMLFormElement.prototype.submit.call(form);
      });
    }
  }

  const saved = sessionStorage.getItem(NOTES);
  if (saved) { note = saved; sessionStorage.removeItem(NOTES); }
  window.addEventListener('online', () => { offline = false; show(); send(); });
  window.addEventListener('offline', () => { offline = true; show(); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.register('/councils/sw.js', {scope: '/councils/'}).catch(() => {});
  }
  openDB().then(d => {
    db = d;
    return count();
  }).then(() => {
    if (navigator.onLine) { send(); keep(); }
    setInterval(send, 10000);
  }).catch(() => {});
})();
