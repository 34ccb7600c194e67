// Click Tracker front-end: talks to the engine only through /labs.js (the experiment comes from the page URL).
// The counts are loaded once (a count and the named query clicks_by_button), then kept live by a subscription:
// every click stored anywhere updates every open page. No inline handlers, no innerHTML.
import { labs, toNumber } from '/labs.js';

const KNOWN_BUTTONS = ['red', 'green', 'blue', 'orange'];
const state = { total: null, counts: {} };

const byId = (id) => document.getElementById(id);

function setStatus(text, isError) {
  const s = byId('status');
  s.textContent = text || '';
  s.classList.toggle('error', !!isError);
}

function render() {
  byId('total').textContent = state.total === null ? '?' : String(state.total);
  const counts = state.counts;
  const sum = Object.keys(counts).reduce((acc, k) => acc + counts[k], 0);
  const names = Object.keys(counts).sort((a, b) => counts[b] - counts[a] || a.localeCompare(b));
  const tbody = byId('per-button').tBodies[0];
  const fresh = document.createElement('tbody');
  for (const name of names) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    const swatch = document.createElement('span');
    swatch.className = 'swatch ' + (KNOWN_BUTTONS.includes(name) ? name : 'other');
    th.appendChild(swatch);
    th.appendChild(document.createTextNode(name));
    const td = document.createElement('td');
    td.textContent = String(counts[name]);
    const share = document.createElement('td');
    const meter = document.createElement('meter');
    meter.min = 0;
    meter.max = sum > 0 ? sum : 1;
    meter.value = counts[name];
    meter.textContent = sum > 0 ? Math.round((100 * counts[name]) / sum) + '%' : '0%';
    share.appendChild(meter);
    tr.append(th, td, share);
    fresh.appendChild(tr);
  }
  tbody.parentNode.replaceChild(fresh, tbody);
}

async function load() {
  try {
    const [page, rows] = await Promise.all([labs.list('clicks', { count: true, limit: 1, fields: 'button' }), labs.query('clicks_by_button')]);
    const counts = {};
    for (const b of KNOWN_BUTTONS) counts[b] = 0;
    for (const r of rows) counts[r && r._id != null ? String(r._id) : '(none)'] = toNumber(r.count);
    state.total = page.count != null ? toNumber(page.count) : null;
    state.counts = counts;
    render();
    setStatus('Updated ' + new Date().toLocaleTimeString() + '.');
  } catch (e) {
    setStatus('Could not load the counts: ' + e.message, true);
  }
}

// Every change (a click anywhere, a delete by an admin, missed events) reloads the counts: at most one load at a
// time, and one more after it when changes arrived meanwhile, so a burst of clicks costs two loads, not one each.
let loading = false;
let dirty = false;
async function refresh() {
  if (loading) {
    dirty = true;
    return;
  }
  loading = true;
  try {
    do {
      dirty = false;
      await load();
    } while (dirty);
  } finally {
    loading = false;
  }
}

async function recordClick(ev) {
  const btn = ev.currentTarget;
  const name = btn.getAttribute('data-button');
  btn.disabled = true;
  try {
    await labs.insert('clicks', { button: name });
    setStatus('Recorded a click on ' + name + '.');
  } catch (e) {
    setStatus('Could not record the click: ' + e.message, true);
  } finally {
    btn.disabled = false;
  }
}

for (const b of document.querySelectorAll('button.click')) b.addEventListener('click', recordClick);
// Subscribe first and load once the stream is open, so no click falls between the load and the first event.
labs.subscribe({ collection: 'clicks', fields: '_id' }, refresh, {
  onReady: refresh,
  onError: (e) => setStatus('Live updates stopped: ' + e.message, true),
});
