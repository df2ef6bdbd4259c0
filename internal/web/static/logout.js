// Logging out wipes the check-in page's offline copy on this phone,
// including ticks it has not sent yet (forget.js, Clear-Site-Data). Before
// the logout form goes, count the unsent ticks and ask: a volunteer who
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
    unsent().then(n => {
      if (n === 0 || window.confirm(form.dataset.unsent.replace('{n}', n))) go();
    }).catch(go);
  });
  // unsent counts the queue of the check-in page's database, without
  // creating the database where there is none.
  async function unsent() {
    const dbs = await indexedDB.databases();
    if (!dbs.some(d => d.name === 'opora-checkin')) return 0;
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('opora-checkin');
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
