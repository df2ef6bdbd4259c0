// Visits to a family, also without a network (issue 20). On the family
// card, the visit form and «Мои семьи»: registers the families service
// worker (/families/sw.js), keeps the curator's family pages on the device
// (data-cache), and sends the queue of visits recorded offline. On the
// visit form: offline, a visit is queued in IndexedDB under a UUID made
// here, so that sending the queue again never records it twice; online,
// the form posts as usual. The answer names visits the server kept with a
// flag (conflicts) and any it refused; the page shows them.
(() => {
  'use strict';
  const $ = s => document.querySelector(s);
  const form = $('#visit-form');
  const bar = $('#visit-sync');
  if (!form && !bar) return;
  const src = form || bar;
  const T = src.dataset.config ? JSON.parse(src.dataset.config).t : {};
  const CACHE = 'opora-families-v1';
  let db = null, sending = false, offline = !navigator.onLine;
  let pending = 0, sent = 0, note = '';
  const problems = [];

  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() :
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, c =>
      (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16)));
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };
  const localNow = () => {
    const d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  };

  // IndexedDB "opora-visits": "queue" holds the visits not sent yet.
  const openDB = () => new Promise((ok, fail) => {
    const r = indexedDB.open('opora-visits', 1);
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
    const q = $('#visit-queue');
    if (q) {
      const parts = [];
      if (note) parts.push(note);
      if (pending) parts.push((offline ? T.offline + ' · ' : '') + T.pending.replace('{n}', pending));
      else if (sent) parts.push(T.all_sent);
      q.textContent = parts.join(' · ');
      q.hidden = !parts.length;
      q.className = 'visit-queue' + (!pending && sent ? ' ok' : '');
      q.dataset.pending = pending;
    }
    const c = $('#visit-conflicts');
    if (c) {
      c.replaceChildren(...problems.map(m => el('li', '', m)));
      c.hidden = !problems.length;
    }
  }

  // flush sends the queue; every visit the server answers for (accepted,
  // already there, or refused) leaves it.
  async function flush() {
    if (sending || !db) return;
    sending = true;
    try {
      const queue = await all();
      for (let i = 0; i < queue.length; i += 50) {
        const part = queue.slice(i, i + 50);
        let res;
        try {
          res = await fetch('/families/visits/sync', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
            body: JSON.stringify({visits: part.map(v => ({id: v.id, family: v.family, visited_at: v.visited_at, kind: v.kind,
              present: v.present, present_other: v.present_other, observations: v.observations, agreements: v.agreements,
              next_visit_on: v.next_visit_on}))})});
        } catch (err) {
          offline = true;
          return;
        }
        offline = false;
        if (!res.ok) {
          let msg = T.failed;
          try { msg = (await res.json()).error || msg; } catch (err) { /* not JSON */ }
          problems.push(res.status === 401 ? T.login : msg);
          return;
        }
        const data = await res.json();
        const gone = [];
        for (const r of data.results || []) {
          const v = part.find(x => x.id === r.id);
          if (!v) continue;
          gone.push(v.id);
          const when = new Date(v.visited_at).toLocaleString();
          if (r.status === 'refused') {
            // Kept in words on the page, so nothing typed is lost unseen.
            problems.push(T.refused + ' (' + when + '): ' + r.message + ' — ' + v.observations);
          } else {
            sent++;
            for (const c of r.conflicts || []) problems.push(T.conflict + ' (' + when + '): ' + c);
          }
        }
        await del(gone);
      }
    } finally {
      sending = false;
      if (db) pending = (await all()).length;
      if (!pending) note = '';
      show();
    }
  }

  // precache keeps the pages named in data-cache on the device (those not
  // kept yet; the service worker refreshes a page each time it is opened).
  async function precache() {
    const urls = ((bar && bar.dataset.cache) || '').split(' ').filter(Boolean);
    if (!urls.length || !window.caches || offline) return;
    const c = await caches.open(CACHE);
    for (const u of urls) {
      if (await c.match(u)) continue;
      try {
        const res = await fetch(u, {credentials: 'same-origin'});
        if (res.ok && !res.redirected) await c.put(u, res);
        else await c.delete(u);
      } catch (err) {
        return;
      }
    }
  }

  // The visit form.
  const fieldError = (name, msg) => {
    const e = $('#e-' + name);
    if (!e) return;
    e.textContent = msg || '';
    e.hidden = !msg;
    e.closest('.field').classList.toggle('has-error', !!msg);
  };
  const read = () => {
    const fd = new FormData(form);
    const at = fd.get('visited_at');
    const d = at ? new Date(at) : new Date();
    return {id: String(fd.get('client_uuid')), family: Number(form.dataset.family),
      visited_at: (isNaN(d) ? new Date() : d).toISOString(), kind: String(fd.get('kind') || ''),
      present: fd.getAll('present').map(Number), present_other: String(fd.get('present_other') || '').trim(),
      observations: String(fd.get('observations') || '').trim(), agreements: String(fd.get('agreements') || '').trim(),
      next_visit_on: String(fd.get('next_visit_on') || ''), queued_at: new Date().toISOString()};
  };
  const fresh = () => {
    form.client_uuid.value = uuid();
    form.visited_at.value = localNow();
  };
  async function queue(v) {
    await put(v);
    pending = (await all()).length;
    note = T.queued;
    form.reset();
    fresh();
    show();
    window.scrollTo(0, 0);
  }
  async function submit(ev) {
    ev.preventDefault();
    const v = read();
    fieldError('kind', v.kind ? '' : T.kind);
    fieldError('observations', v.observations ? '' : T.required);
    if (!v.kind || !v.observations) return;
    if (navigator.onLine) {
      let res = null;
      try {
        res = await fetch(form.action, {method: 'POST', credentials: 'same-origin',
          headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams(new FormData(form))});
      } catch (err) {
        offline = true;
      }
      if (res) {
        const to = new URL(res.url);
        if (res.redirected && to.pathname === '/families/' + v.family) {
          location.assign(to.pathname + '#visits');
          return;
        }
        if (!res.redirected) {
          // Field errors: the server's page with them, as without script.
          form.removeEventListener('submit', submit);
          form.submit();
          return;
        }
        problems.push(T.login); // sent to the login page: keep it here
      }
    }
    if (!db) return;
    await queue(v);
  }

  async function load() {
    if ('serviceWorker' in navigator) navigator.serviceWorker.register('/families/sw.js', {scope: '/families/'}).catch(() => {});
    if (form) {
      form.client_uuid.value = uuid(); // a page kept on the device holds an old one
      if (!form.querySelector('.has-error')) form.visited_at.value = localNow();
      form.addEventListener('submit', submit);
    }
    try { db = await openDB(); } catch (err) { db = null; }
    if (db) pending = (await all()).length;
    show();
    if (!offline) {
      await flush();
      precache();
    }
  }

  window.addEventListener('online', () => { offline = false; show(); flush().then(precache); });
  window.addEventListener('offline', () => { offline = true; show(); });
  setInterval(() => { if (pending && !offline) flush(); }, 15000);
  load();
})();
