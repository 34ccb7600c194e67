// Stats Dashboard front-end: talks to the engine only through /labs.js (the experiment comes from the page URL);
// the click tracker's clicks are read through this experiment's data_scope and followed live.
// No inline handlers, no innerHTML: all text goes in through textContent.
import { labs, toDate, toNumber } from '/labs.js';

  var CLICKS = { owner: 'click_tracker' };

  function byId(id) { return document.getElementById(id); }

  function setStatus(text, isError) {
    var s = byId('status');
    s.textContent = text || '';
    s.classList.toggle('error', !!isError);
  }

  function showLogin() {
    byId('login').hidden = false;
    byId('content').hidden = true;
  }

  // Every engine call: a 401 (not logged in, session over) shows the login box.
  function call(promise) {
    return promise.catch(function (e) {
      if (e.status === 401) { showLogin(); }
      throw e;
    });
  }

  function cell(tag, text) {
    var c = document.createElement(tag);
    c.textContent = text;
    return c;
  }

  function replaceBody(table, rows) {
    var fresh = document.createElement('tbody');
    rows.forEach(function (cells) {
      var tr = document.createElement('tr');
      cells.forEach(function (c) { tr.appendChild(c); });
      fresh.appendChild(tr);
    });
    table.replaceChild(fresh, table.tBodies[0]);
  }

  async function loadTotalClicks() {
    var data = await call(labs.list('clicks', { owner: CLICKS.owner, limit: 1, count: true }));
    var total = data && data.count !== undefined && data.count !== null ? toNumber(data.count) : null;
    byId('total-clicks').textContent = total === null ? '?' : String(total);
    return total;
  }

  async function loadRecent() {
    var items = (await call(labs.list('clicks', { owner: CLICKS.owner, sort: '-created_at', limit: 20, fields: 'button,created_at' }))).items;
    byId('recent-count').textContent = String(items.length);

    replaceBody(byId('recent'), items.map(function (doc) {
      var when = toDate(doc.created_at);
      return [
        cell('td', when ? when.toLocaleString() : '?'),
        cell('td', doc.button === undefined || doc.button === null ? '?' : String(doc.button))
      ];
    }));

    var counts = {};
    items.forEach(function (doc) {
      var b = doc.button === undefined || doc.button === null ? '?' : String(doc.button);
      counts[b] = (counts[b] || 0) + 1;
    });
    var list = byId('recent-by-button');
    while (list.firstChild) { list.removeChild(list.firstChild); }
    Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || a.localeCompare(b); })
      .forEach(function (b) {
        var li = document.createElement('li');
        li.appendChild(cell('span', b));
        li.appendChild(cell('strong', String(counts[b])));
        list.appendChild(li);
      });
    if (!items.length) { list.appendChild(cell('li', 'No clicks yet.')); }
  }

  async function loadViews() {
    var data = await call(labs.list('views', { count: true, limit: 1 }));
    var total = data && data.count !== undefined && data.count !== null ? toNumber(data.count) : null;
    byId('total-views').textContent = total === null ? '?' : String(total);
  }

  // views_by_day is restricted to the "analyst" role (admins pass too); others get 403.
  async function loadByDay() {
    var since = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
    var note = byId('by-day-note');
    var table = byId('by-day');
    try {
      var rows = await call(labs.query('views_by_day', { since: since, days: 30 }));
      replaceBody(table, rows.map(function (r) {
        return [cell('td', String(r._id)), cell('td', String(toNumber(r.views)))];
      }));
      table.hidden = rows.length === 0;
      note.textContent = rows.length ? '' : 'No views in the last 30 days.';
    } catch (e) {
      table.hidden = true;
      if (e.status === 403) {
        note.textContent = 'Only users with the "analyst" role can see this breakdown.';
      } else if (e.status !== 401) {
        note.textContent = 'Not available: ' + e.message;
      }
    }
  }

  async function refresh(skipTotal) {
    try {
      var jobs = [loadRecent(), loadViews(), loadByDay()];
      if (skipTotal !== true) { jobs.push(loadTotalClicks()); }
      await Promise.all(jobs);
      setStatus('Updated ' + new Date().toLocaleTimeString() + '.');
    } catch (e) {
      if (e.status !== 401) { setStatus('Could not load the statistics: ' + e.message, true); }
    }
  }

  // Log this dashboard view once per page load, then show the numbers.
  async function start() {
    var view = { event: 'dashboard_view' };
    var totalLoaded = false;
    try {
      var total = await loadTotalClicks();
      totalLoaded = true;
      if (total !== null) { view.total_clicks = total; }
    } catch (e) {
      if (e.status === 401) { return; }
      setStatus('Could not load the click total: ' + e.message, true);
    }
    try {
      await call(labs.insert('views', view));
    } catch (e) {
      if (e.status === 401) { return; }
      setStatus('Could not record this view: ' + e.message, true);
    }
    await refresh(totalLoaded);
  }

  // Live: every click stored in the click tracker refreshes the numbers (one load at a time, one more after it
  // when clicks arrived meanwhile).
  var loading = false;
  var dirty = false;
  async function live() {
    if (loading) {
      dirty = true;
      return;
    }
    loading = true;
    try {
      do {
        dirty = false;
        await refresh(false);
      } while (dirty);
    } finally {
      loading = false;
    }
  }

  document.querySelectorAll('a[href^="/auth/login"]').forEach(function (a) {
    a.href = '/auth/login?next=' + encodeURIComponent(location.pathname);
  });
  start().then(function () {
    labs.subscribe({ collection: 'clicks', owner: CLICKS.owner, fields: '_id' }, live, {
      onError: function (e) { if (e.status !== 401) { setStatus('Live updates stopped: ' + e.message, true); } }
    });
  });
