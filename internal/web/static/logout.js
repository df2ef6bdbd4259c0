// Logging out wipes the check-in page's offline copy on this phone,
// including ticks it has not sent yet, the family visits and the council
// decisions recorded offline (forget.js, Clear-Site-Data). Before the logout form goes, count
// the unsent ticks and visits and ask: a volunteer who
// logs out at the bus with no signal must not lose the evening's record
// without being told.
(() => {
  'use strict';
  const form = document.querySelector('form.logout');
  if (!form || !window.indexedDB || !indexedDB.databases) return;
  let asked = false;
  form.addEventListener('submit', ev => {
    if (asked) return;
    ev.preventDefault();
    const go = () => { asked = true; form.submit(); };
    Promise.all([unsent('opora-checkin'), unsent('opora-visits'), unsent('opora-council')]).then(([ticks, visits, council]) => {
      const ask = [];
      if (ticks) ask.push(form.dataset.unsent.replace('{n}', ticks));
      if (visits) ask.push((form.dataset.unsentVisits || '').replace('{n}', visits));
      if (council) ask.push((form.dataset.unsentCouncil || '').replace('{n}', council));
      if (ask.length === 0 || window.confirm(ask.join('\n\n'))) go();
    }).catch(go);
  });
  // unsent counts the queue of a page's database (the check-in page's,
  // the family visits', the council decisions'), without creating the database where there is none.
  async function unsent(name) {
    const dbs = await indexedDB.databases();
    if (!dbs.some(d => d.name === name)) return 0;
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    try {
      if (!db.objectStoreNames.contains('queue')) return 0;
      return await new Promise((ok, fail) => {
        const r = db.transaction('queue').objectStore('queue').count();
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
    } finally {
      db.close();
    }
  }
})();
