// Stats Dashboard front-end. No inline handlers, no innerHTML: all text goes in through textContent.
(function () {
  'use strict';

  var API = '/experiments/stats_dashboard/api';
  var SHARED_CLICKS = API + '/_shared/click_tracker/clicks';

  function byId(id) { return document.getElementById(id); }

  function setStatus(text, isError) {
    var s = byId('status');
    s.textContent = text || '';
    s.classList.toggle('error', !!isError);
  }

  function problemMessage(res, data) {
    if (data && typeof data === 'object') {
      var msg = data.detail || data.title || '';
      if (Array.isArray(data.errors) && data.errors.length) {
        msg += (msg ? ': ' : '') + data.errors.map(function (e) {
          return (e.path ? e.path + ' ' : '') + (e.message || '');
        }).join('; ');
      }
      if (msg) { return msg; }
    }
    return 'HTTP ' + res.status;
  }

  async function request(method, url, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    var res = await fetch(url, opts);
    var text = await res.text();
    var data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (res.status === 401) { showLogin(); }
    if (!res.ok) {
      var err = new Error(problemMessage(res, data));
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function showLogin() {
    byId('login').hidden = false;
    byId('content').hidden = true;
  }

  function rowsOf(data) {
    if (Array.isArray(data)) { return data; }
    if (data && Array.isArray(data.items)) { return data.items; }
    return [];
  }

  function toNumber(v) {
    if (typeof v === 'number') { return v; }
    if (v && typeof v === 'object') {
      var inner = v.$numberLong || v.$numberInt || v.$numberDouble;
      if (inner !== undefined) { return Number(inner); }
    }
    var n = Number(v);
    return isNaN(n) ? 0 : n;
  }

  // Dates arrive as relaxed Extended JSON: {"$date": "ISO"} or {"$date": {"$numberLong": "ms"}}.
  function toDate(v) {
    if (v === null || v === undefined) { return null; }
    if (typeof v === 'object' && v.$date !== undefined) { v = v.$date; }
    if (v && typeof v === 'object' && v.$numberLong !== undefined) { v = Number(v.$numberLong); }
    var d = new Date(v);
    return isNaN(d.getTime()) ? null : d;
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
    var data = await request('GET', SHARED_CLICKS + '?limit=1&count=true');
    var total = data && data.count !== undefined && data.count !== null ? toNumber(data.count) : null;
    byId('total-clicks').textContent = total === null ? '?' : String(total);
    return total;
  }

  async function loadRecent() {
    var items = rowsOf(await request('GET', SHARED_CLICKS + '?sort=-created_at&limit=20&fields=button,created_at'));
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
    var data = await request('GET', API + '/views?count=true&limit=1');
    var total = data && data.count !== undefined && data.count !== null ? toNumber(data.count) : null;
    byId('total-views').textContent = total === null ? '?' : String(total);
  }

  // views_by_day is restricted to the "analyst" role (admins pass too); others get 403.
  async function loadByDay() {
    var since = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
    var note = byId('by-day-note');
    var table = byId('by-day');
    try {
      var rows = rowsOf(await request('GET', API + '/_queries/views_by_day?since=' + encodeURIComponent(since) + '&days=30'));
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
      await request('POST', API + '/views', view);
    } catch (e) {
      if (e.status === 401) { return; }
      setStatus('Could not record this view: ' + e.message, true);
    }
    await refresh(totalLoaded);
  }

  document.addEventListener('DOMContentLoaded', function () {
    byId('refresh').addEventListener('click', function () { refresh(false); });
    start();
  });
})();
