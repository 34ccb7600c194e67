// Click Tracker front-end. No inline handlers, no innerHTML: all text goes in through textContent.
(function () {
  'use strict';

  var API = '/experiments/click_tracker/api';
  var KNOWN_BUTTONS = ['red', 'green', 'blue', 'orange'];

  function byId(id) { return document.getElementById(id); }

  function setStatus(text, isError) {
    var s = byId('status');
    s.textContent = text || '';
    s.classList.toggle('error', !!isError);
  }

  // Turns an RFC 9457 problem (or anything else) into a readable message.
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
    if (!res.ok) {
      var err = new Error(problemMessage(res, data));
      err.status = res.status;
      throw err;
    }
    return data;
  }

  // A named query may answer {"items": [...]} or a bare array; accept both.
  function rowsOf(data) {
    if (Array.isArray(data)) { return data; }
    if (data && Array.isArray(data.items)) { return data.items; }
    return [];
  }

  // Numbers may come back as relaxed Extended JSON ({"$numberLong": "5"}) in edge cases.
  function toNumber(v) {
    if (typeof v === 'number') { return v; }
    if (v && typeof v === 'object') {
      var inner = v.$numberLong || v.$numberInt || v.$numberDouble;
      if (inner !== undefined) { return Number(inner); }
    }
    var n = Number(v);
    return isNaN(n) ? 0 : n;
  }

  async function loadTotal() {
    var data = await request('GET', API + '/clicks?count=true&limit=1');
    var total = data && data.count !== undefined && data.count !== null ? toNumber(data.count) : null;
    byId('total').textContent = total === null ? '?' : String(total);
    return total;
  }

  async function loadPerButton() {
    var rows = rowsOf(await request('GET', API + '/_queries/clicks_by_button'));
    var counts = {};
    KNOWN_BUTTONS.forEach(function (b) { counts[b] = 0; });
    rows.forEach(function (r) {
      var key = r && r._id !== undefined && r._id !== null ? String(r._id) : '(none)';
      counts[key] = toNumber(r.count);
    });
    var sum = Object.keys(counts).reduce(function (acc, k) { return acc + counts[k]; }, 0);
    var names = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || a.localeCompare(b); });

    var tbody = byId('per-button').tBodies[0];
    var fresh = document.createElement('tbody');
    names.forEach(function (name) {
      var tr = document.createElement('tr');
      var th = document.createElement('th');
      th.scope = 'row';
      var swatch = document.createElement('span');
      swatch.className = 'swatch ' + (KNOWN_BUTTONS.indexOf(name) >= 0 ? name : 'other');
      th.appendChild(swatch);
      th.appendChild(document.createTextNode(name));
      var td = document.createElement('td');
      td.textContent = String(counts[name]);
      var share = document.createElement('td');
      var meter = document.createElement('meter');
      meter.min = 0;
      meter.max = sum > 0 ? sum : 1;
      meter.value = counts[name];
      meter.textContent = sum > 0 ? Math.round(100 * counts[name] / sum) + '%' : '0%';
      share.appendChild(meter);
      tr.appendChild(th);
      tr.appendChild(td);
      tr.appendChild(share);
      fresh.appendChild(tr);
    });
    tbody.parentNode.replaceChild(fresh, tbody);
  }

  async function refresh() {
    try {
      await Promise.all([loadTotal(), loadPerButton()]);
      setStatus('Updated ' + new Date().toLocaleTimeString() + '.');
    } catch (e) {
      setStatus('Could not load the counts: ' + e.message, true);
    }
  }

  async function recordClick(ev) {
    var btn = ev.currentTarget;
    var name = btn.getAttribute('data-button');
    btn.disabled = true;
    try {
      await request('POST', API + '/clicks', { button: name });
      setStatus('Recorded a click on ' + name + '.');
      await refresh();
    } catch (e) {
      setStatus('Could not record the click: ' + e.message, true);
    } finally {
      btn.disabled = false;
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('button.click'), function (b) {
      b.addEventListener('click', recordClick);
    });
    byId('refresh').addEventListener('click', refresh);
    refresh();
    // Keep the counts roughly live while the tab is visible.
    setInterval(function () {
      if (document.visibilityState === 'visible') { refresh(); }
    }, 15000);
  });
})();
