// The duty worker's check-in page. Works offline: the point's regulars come
// from people.json (kept by the service worker), ticks queue in IndexedDB
// and are sent as a batch when the network is back. Each tick carries an id
// made here, so sending a batch again never counts twice.
(() => {
  'use strict';
  const $ = s => document.querySelector(s);
  const root = $('#ck');
  if (!root) return;
  const cfg = JSON.parse(root.dataset.config);
  const T = cfg.t, SHIFT = cfg.shift, CACHE = 'opora-checkin-' + cfg.v;
  const peopleURL = '/checkin/' + SHIFT + '/people.json';
  const people = new Map();   // key → row {k,s,f,y,g,p,t,r,x,u}
  const done = new Map();     // key → Set of item ids ticked at this shift
  const srv = new Set();      // "key|item" the server has confirmed
  const tid = new Map();      // "key|item" → the tick the shift holds (for undo)
  const hits = new Map();     // query → keys the server found, best first
  let counts = {people: 0, items: {}};
  let pending = [];           // queued ticks of this shift
  let db = null, sending = false, offline = !navigator.onLine;
  const alerts = [];

  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() :
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, c =>
      (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16)));
  // fold spells a name in Latin letters as the server's NameKey roughly
  // does, so that the offline list matches either alphabet.
  const TR = {ё: 'e', ж: 'zh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'sch', ю: 'iu', я: 'ia', ь: '', ъ: ''};
  [...'абвгдезийклмнопрстуфхыэ'].forEach((c, i) => { TR[c] = 'abvgdeziiklmnoprstufhie'[i]; });
  const fold = s => [...(s || '').toLowerCase()].map(c => TR[c] ?? c).join('').replace(/[yj]/g, 'i')
    .replace(/[^a-z0-9]+/g, ' ').trim();
  const dist = (a, b) => {
    let p = [...Array(b.length + 1).keys()];
    for (let i = 1; i <= a.length; i++) {
      const c = [i];
      for (let j = 1; j <= b.length; j++) c[j] = Math.min(p[j] + 1, c[j - 1] + 1, p[j - 1] + (a[i - 1] !== b[j - 1]));
      p = c;
    }
    return p[b.length];
  };
  // score rates a person against the typed words: 0 per exact word, 1 per
  // word beginning, 2 per beginning with one typing error; -1 no match.
  const score = (p, qs) => {
    const ws = fold(p.s + ' ' + (p.f || '')).split(' ');
    let t = 0;
    for (const q of qs) {
      const b = Math.min(...ws.map(w => w === q ? 0 : w.startsWith(q) ? 1 : q.length > 3 && [0, 1, -1].some(d => dist(q, w.slice(0, q.length + d)) < 2) ? 2 : 9));
      if (b > 2) return -1;
      t += b;
    }
    return t;
  };
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };

  // IndexedDB: "queue" holds unsent ticks, "people" the people added here.
  const openDB = () => new Promise((ok, fail) => {
    const r = indexedDB.open('opora-checkin', 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore('queue', {keyPath: 'id'});
      r.result.createObjectStore('people', {keyPath: 'k'});
    };
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const store = (name, mode, fn) => new Promise((ok, fail) => {
    const t = db.transaction(name, mode);
    const req = fn(t.objectStore(name));
    t.oncomplete = () => ok(req && req.result);
    t.onerror = () => fail(t.error);
  });
  const all = name => store(name, 'readonly', s => s.getAll());
  const put = (name, v) => store(name, 'readwrite', s => s.put(v));
  const del = (name, keys) => store(name, 'readwrite', s => { keys.forEach(k => s.delete(k)); });

  const isDone = (k, i) => done.has(k) && done.get(k).has(i);
  const mark = (k, i, on) => {
    if (!done.has(k)) done.set(k, new Set());
    if (on) done.get(k).add(i); else done.get(k).delete(i);
  };
  const nameOf = k => { const p = people.get(k); return p ? (p.s + ' ' + (p.f || '')).trim() : k; };
  const itemName = i => (cfg.items.find(it => it.id === i) || {}).name || '';

  function showNet() {
    const n = $('#net');
    const q = pending.length;
    n.className = 'net' + (offline ? ' off' : q ? ' wait' : '');
    n.textContent = (offline ? T.offline : T.online) + ' · ' + (q ? T.pending.replace('{n}', q) : T.all_sent);
  }
  function showCounts() {
    const items = Object.assign({}, counts.items);
    const newPeople = new Set();
    for (const e of pending) {
      items[e.item] = (items[e.item] || 0) + (e.undo ? -1 : 1);
      if (!e.undo && ![...srv].some(x => x.startsWith(e.person + '|'))) newPeople.add(e.person);
    }
    document.querySelectorAll('#counts [data-c]').forEach(d => {
      const c = d.dataset.c;
      d.textContent = c === 'people' ? counts.people + newPeople.size : (items[c] || 0);
    });
  }
  function showAlerts() {
    const a = $('#alert');
    a.replaceChildren(...alerts.slice(-5).map(m => el('p', '', m)));
    a.hidden = !alerts.length;
  }
  function alertMsg(m) { alerts.push(m); showAlerts(); }
  // okMsg says that something went well, in green, until the next one.
  function okMsg(m) { const o = $('#ok'); o.textContent = m; o.hidden = false; }

  function row(p) {
    const li = el('li');
    const who = el('div', 'who');
    if (p.t) { const img = el('img'); img.src = p.t; img.alt = ''; who.append(img); }
    const name = el('div');
    name.append(el('b', '', (p.s + ' ' + (p.f || '')).trim()));
    const meta = [];
    if (p.y) meta.push(T.born.replace('{y}', p.y));
    if (p.p) meta.push(T.profile);
    if (meta.length) { name.append(el('br')); name.append(el('span', 'meta', meta.join(' · '))); }
    who.append(name);
    li.append(who);
    for (const f of p.r || []) {
      li.append(el('div', 'flag', (T[f.k] || f.k) + ': ' + f.d + (f.e ? ' (' + T.until + ' ' + f.e.split('-').reverse().join('.') + ')' : '')));
    }
    const btns = el('div', 'btns');
    for (const it of cfg.items) {
      const b = el('button', isDone(p.k, it.id) ? 'on' : '', it.name);
      b.type = 'button';
      b.dataset.k = p.k;
      b.dataset.i = it.id;
      b.setAttribute('aria-label', it.name + ' — ' + nameOf(p.k));
      b.setAttribute('aria-pressed', isDone(p.k, it.id) ? 'true' : 'false');
      b.disabled = !cfg.open;
      btns.append(b);
    }
    li.append(btns);
    return li;
  }
  // render lists what the server found for the query (typos and all), then
  // what the offline list matches besides.
  function render() {
    const raw = $('#q').value.trim(), qs = fold(raw).split(' ').filter(Boolean);
    const res = $('#res');
    if (!qs.length) { res.replaceChildren(el('li', 'hint', T.type)); return; }
    const found = (hits.get(raw) || []).map(k => people.get(k)).filter(Boolean);
    const local = [];
    for (const p of people.values()) {
      const sc = found.includes(p) ? -1 : score(p, qs);
      if (sc >= 0) local.push([sc, fold(p.s + ' ' + (p.f || '')), p]);
    }
    local.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
    found.push(...local.map(x => x[2]));
    res.replaceChildren(...(found.length ? found.slice(0, 30).map(row) : [el('li', 'hint', T.nobody)]));
  }

  async function tick(k, item) {
    if (!cfg.open || isDone(k, item)) return;
    const items = item !== 0 && !isDone(k, 0) ? [0, item] : [item];
    const p = people.get(k);
    for (const i of items) {
      const e = {id: uuid(), shift: SHIFT, person: k, item: i, at: new Date().toISOString()};
      if (k[0] === 'u' && p && p.n) e.n = p.n;
      mark(k, i, true);
      tid.set(k + '|' + i, e.id);
      pending.push(e);
      await put('queue', e);
    }
    render(); showNet(); showCounts();
    flush();
  }

  // untick takes back a tick made by mistake (with "came", everything the
  // person got at this shift). A tick still waiting here leaves the queue;
  // one the server may hold is taken back by an undo with an id of its own.
  async function untick(k, item) {
    if (!cfg.open || !isDone(k, item)) return;
    const items = item === 0 ? cfg.items.map(it => it.id).filter(i => isDone(k, i)) : [item];
    for (const i of items) {
      const t = tid.get(k + '|' + i);
      mark(k, i, false);
      const q = pending.find(e => e.id === t);
      if (q && !sending) {
        pending = pending.filter(e => e !== q);
        await del('queue', [q.id]);
      } else if (t) {
        const e = {id: uuid(), shift: SHIFT, person: k, item: i, undo: t};
        pending.push(e);
        await put('queue', e);
      }
      srv.delete(k + '|' + i);
    }
    okMsg(T.undone.replace('{item}', itemName(item)).replace('{name}', nameOf(k)));
    render(); showNet(); showCounts();
    flush();
  }

  // flush sends the queue in batches; anything the server answers for
  // (accepted, duplicate or refused) leaves the queue.
  async function flush() {
    if (sending || !db) return;
    sending = true;
    try {
      // Ticks before undos: an undo names a tick that must be there first.
      const queue = (await all('queue')).sort((a, b) => !!a.undo - !!b.undo);
      const byShift = new Map();
      for (const e of queue) {
        if (!byShift.has(e.shift)) byShift.set(e.shift, []);
        byShift.get(e.shift).push(e);
      }
      for (const [shift, entries] of byShift) {
        for (let i = 0; i < entries.length; i += 200) {
          const part = entries.slice(i, i + 200);
          const persons = [...new Map(part.filter(e => e.n).map(e => [e.n.uid, e.n])).values()];
          let res;
          try {
            res = await fetch('/checkin/' + shift + '/ticks', {method: 'POST', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
              body: JSON.stringify({persons, ticks: part.filter(e => !e.undo).map(e => ({id: e.id, person: e.person, item: e.item, at: e.at})),
                undos: part.filter(e => e.undo).map(e => ({id: e.id, tick: e.undo}))})});
          } catch (err) {
            offline = true;
            return;
          }
          offline = false;
          if (!res.ok) {
            let msg = T.failed;
            try { msg = (await res.json()).error || msg; } catch (err) { /* not JSON */ }
            if (res.status === 400 || res.status === 404) {
              await del('queue', part.map(e => e.id));
              pending = pending.filter(e => !part.some(x => x.id === e.id));
              part.forEach(e => { if (e.shift === SHIFT && !e.undo) mark(e.person, e.item, false); });
              alertMsg(T.refused + ': ' + msg);
            } else {
              alertMsg(res.status === 401 ? T.login : msg);
            }
            return;
          }
          const data = await res.json();
          const byID = new Map(part.map(e => [e.id, e]));
          const gone = [];
          for (const r of data.results || []) {
            const e = byID.get(r.id);
            if (!e) continue;
            gone.push(e.id);
            if (e.shift !== SHIFT) continue;
            const ki = e.person + '|' + e.item;
            if (r.status === 'refused') {
              if (!e.undo) mark(e.person, e.item, false);
              alertMsg(nameOf(e.person) + ': ' + r.message);
            } else if (e.undo) {
              srv.delete(ki);
            } else if (isDone(e.person, e.item)) {
              srv.add(ki);
              if (r.tick) tid.set(ki, r.tick);
            }
          }
          await del('queue', gone);
          pending = pending.filter(e => !gone.includes(e.id));
          if (shift === SHIFT && data.counts) counts = data.counts;
        }
      }
    } finally {
      sending = false;
      showNet(); showCounts(); render();
    }
  }

  let searchTimer = 0;
  function onSearch() {
    render();
    clearTimeout(searchTimer);
    const q = $('#q').value.trim();
    if (q.length < 2 || offline) return;
    searchTimer = setTimeout(async () => {
      try {
        const res = await fetch('/checkin/' + SHIFT + '/search.json?q=' + encodeURIComponent(q), {credentials: 'same-origin'});
        if (!res.ok) return;
        const data = await res.json();
        for (const p of data.people || []) if (!people.has(p.k)) { people.set(p.k, p); known(p); }
        hits.set(q, (data.people || []).map(p => p.k));
        if ($('#q').value.trim() === q) render();
      } catch (err) { /* offline: the local list is all there is */ }
    }, 250);
  }

  async function addPerson(ev) {
    ev.preventDefault();
    const f = ev.target;
    const surname = f.surname.value.trim();
    const err = $('#a-err');
    if (!surname) { err.textContent = T.surname; err.hidden = false; f.surname.focus(); return; }
    err.hidden = true;
    const year = parseInt(f.birth_year.value, 10) || 0, age = parseInt(f.age.value, 10) || 0;
    const g = (f.querySelector('input[name=gender]:checked') || {}).value || '';
    const uid = uuid();
    const p = {k: 'u' + uid, shift: SHIFT, s: surname, f: f.first_name.value.trim(), y: year || (age ? cfg.year - age : 0), g,
      n: {uid, surname, first_name: f.first_name.value.trim(), birth_year: year, age: year ? 0 : age, gender: g}};
    people.set(p.k, p);
    await put('people', p);
    f.reset();
    f.hidden = true;
    $('#add-open').hidden = false;
    $('#q').value = surname;
    await tick(p.k, 0);
    okMsg(T.added.replace('{name}', surname));
  }

  // known takes in what the server holds for a person at this shift.
  function known(p) {
    (p.x || []).forEach((i, n) => { mark(p.k, i, true); srv.add(p.k + '|' + i); if (p.xi) tid.set(p.k + '|' + i, p.xi[n]); });
  }

  async function load() {
    try { db = await openDB(); } catch (err) { alertMsg(T.failed); }
    if ('serviceWorker' in navigator) navigator.serviceWorker.register('/checkin/sw.js', {scope: '/checkin/'}).catch(() => {});
    let data = null, denied = false;
    try {
      const res = await fetch(peopleURL, {credentials: 'same-origin'});
      if (res.ok && (res.headers.get('Content-Type') || '').includes('json')) {
        if (window.caches) {
          const c = await caches.open(CACHE);
          await c.put(peopleURL, res.clone());
          c.add(location.pathname).catch(() => {});
        }
        data = await res.json();
      } else if (res.status === 401 || res.status === 403 || res.status === 404) {
        // Logged out or no longer allowed: show nothing kept from before.
        denied = true;
        if (window.caches) caches.open(CACHE).then(c => c.delete(peopleURL)).catch(() => {});
        if (res.status === 401) alertMsg(T.login);
      }
    } catch (err) { offline = true; }
    if (!data && !denied && window.caches) {
      const m = await caches.match(peopleURL);
      if (m) data = await m.json();
    }
    if (data) {
      counts = data.counts || counts;
      for (const p of data.people || []) { people.set(p.k, p); known(p); }
    }
    if (db) {
      const known = new Set([...people.values()].map(p => p.u).filter(Boolean));
      const queue = await all('queue');
      pending = queue.filter(e => e.shift === SHIFT);
      const used = new Set(queue.map(e => e.person));
      for (const p of await all('people')) {
        const uid = p.k.slice(1);
        if (known.has(uid) && !used.has(p.k)) { del('people', [p.k]); continue; }
        if (p.shift === SHIFT && !known.has(uid)) people.set(p.k, p);
      }
      for (const e of pending) if (!e.undo) { mark(e.person, e.item, true); tid.set(e.person + '|' + e.item, e.id); }
      for (const e of pending) if (e.undo && tid.get(e.person + '|' + e.item) === e.undo) mark(e.person, e.item, false);
    }
    render(); showNet(); showCounts();
    flush();
  }

  $('#q').addEventListener('input', onSearch);
  $('#res').addEventListener('click', ev => {
    const b = ev.target.closest('button[data-k]');
    if (!b) return;
    const k = b.dataset.k, i = Number(b.dataset.i);
    if (!isDone(k, i)) tick(k, i);
    else if (confirm(T.undo.replace('{item}', itemName(i)).replace('{name}', nameOf(k)))) untick(k, i);
  });
  $('#add-open').addEventListener('click', () => {
    $('#add').hidden = false;
    $('#add-open').hidden = true;
    const s = $('#a-s');
    if (!s.value) s.value = $('#q').value.trim();
    s.focus();
  });
  $('#add-cancel').addEventListener('click', () => { $('#add').hidden = true; $('#add-open').hidden = false; });
  $('#add').addEventListener('submit', addPerson);
  $('#alert').addEventListener('click', () => { alerts.length = 0; showAlerts(); });
  $('#ok').addEventListener('click', () => { $('#ok').hidden = true; });
  window.addEventListener('online', () => { offline = false; showNet(); flush(); });
  window.addEventListener('offline', () => { offline = true; showNet(); });
  setInterval(() => { if (pending.length) flush(); }, 15000);
  load();
})();
