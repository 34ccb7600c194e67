// Notes front-end: talks to the engine only through /labs.js (the experiment comes from the page URL).
// No inline handlers, no innerHTML: all text goes in through textContent.
import { labs, toDate, idOf } from '/labs.js';

  var NOTES = 'notes';
  var PAGE = 50;

  // What the list shows: all notes (paged), notes with one tag, or search results.
  var view = { mode: 'all', tag: null, q: null, next: null, items: [] };

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

  // Every refused call: a 401 (not logged in, session over) shows the login box instead of the notes.
  function refused(e) {
    if (e.status === 401) { showLogin(); }
    return e;
  }

  function extDate(secondsFromNow) {
    return { $date: new Date(Date.now() + secondsFromNow * 1000).toISOString() };
  }

  function parseTags(text) {
    var seen = {};
    return String(text || '').split(',')
      .map(function (t) { return t.trim().slice(0, 50); })
      .filter(function (t) {
        if (!t || seen[t]) { return false; }
        seen[t] = true;
        return true;
      })
      .slice(0, 20);
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function button(label, className, onClick) {
    var b = el('button', className, label);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }

  // ---- loading -----------------------------------------------------------

  var loading = 0;
  var changedWhileLoading = false;

  async function load(append) {
    loading++;
    try {
      var items;
      var next = null;
      if (view.mode === 'tag') {
        items = await labs.query('notes_by_tag', { tag: view.tag, limit: 100 });
      } else if (view.mode === 'search') {
        items = (await labs.search(NOTES, view.q, { limit: 50 })).items || []; // text search on every store
      } else {
        var page = await labs.list(NOTES, { sort: '-created_at', limit: PAGE, after: append ? view.next : null });
        items = page.items || [];
        next = typeof page.next === 'string' && page.next ? page.next : null;
      }
      view.items = append ? view.items.concat(items) : items;
      view.next = next;
      render();
      setStatus('');
    } catch (e) {
      if (refused(e).status === 401) { return; }
      if (view.mode === 'search') {
        setStatus('Search is not available: ' + e.message, true);
      } else {
        setStatus('Could not load your notes: ' + e.message, true);
      }
    } finally {
      // a change that arrived while the list was being read may be missing from it: read again
      if (--loading === 0 && changedWhileLoading) { changedWhileLoading = false; refreshSoon(); }
    }
  }

  function reload() {
    return load(false);
  }

  function showAll() {
    view.mode = 'all';
    view.tag = null;
    view.q = null;
    byId('search').elements.q.value = '';
    return reload();
  }

  function filterByTag(tag) {
    view.mode = 'tag';
    view.tag = tag;
    view.q = null;
    return reload();
  }

  // ---- live updates ------------------------------------------------------

  // Changes made in another tab or device arrive over the realtime stream (only this user's notes: the collection
  // is owner-scoped). The full list is patched in place; a tag or search view reloads. While a note is being edited
  // nothing is redrawn under the form; the view catches up when the edit ends.
  var stale = false;
  var reloadTimer = null;

  function editing() {
    return !!document.querySelector('#notes form.edit');
  }

  function refreshSoon() {
    if (reloadTimer) { return; }
    reloadTimer = setTimeout(function () { reloadTimer = null; reload(); }, 100);
  }

  function deferred() {
    stale = true;
    setStatus('Your notes changed elsewhere; the list updates when you finish editing.');
  }

  function redraw() {
    if (editing()) { deferred(); return; }
    stale = false;
    render();
  }

  function onChange(ev) {
    if (loading) { changedWhileLoading = true; }
    if (ev.type === 'reset' || view.mode !== 'all') {
      if (editing()) { deferred(); } else { refreshSoon(); }
      return;
    }
    var at = view.items.findIndex(function (d) { return idOf(d) === ev.id; });
    if (ev.type === 'delete') {
      if (at >= 0) { view.items.splice(at, 1); }
    } else if (at >= 0) {
      view.items[at] = ev.doc;
    } else if (ev.type === 'insert') {
      view.items.unshift(ev.doc); // newest first, like the list's sort
    }
    redraw();
  }

  function live() {
    labs.subscribe({ collection: NOTES }, onChange, {
      onReady: function () { if (!editing()) { reload(); } },
      onError: function (e) {
        if (refused(e).status !== 401) { setStatus('Live updates stopped: ' + e.message, true); }
      }
    });
  }

  // ---- rendering ---------------------------------------------------------

  function render() {
    var list = byId('notes');
    while (list.firstChild) { list.removeChild(list.firstChild); }

    // Pinned notes first; otherwise keep the server's order.
    var items = view.items.slice();
    if (view.mode !== 'search') {
      items = items.map(function (d, i) { return { d: d, i: i }; })
        .sort(function (a, b) {
          return (b.d.pinned === true) - (a.d.pinned === true) || a.i - b.i;
        })
        .map(function (x) { return x.d; });
    }
    items.forEach(function (doc) { list.appendChild(renderNote(doc)); });

    byId('empty').hidden = items.length > 0;
    byId('empty').textContent = view.mode === 'all' ? 'No notes yet.' : 'Nothing found.';
    byId('more').hidden = !view.next;

    var filter = byId('filter');
    if (view.mode === 'tag') {
      byId('filter-text').textContent = 'Notes tagged "' + view.tag + '"';
      filter.hidden = false;
    } else if (view.mode === 'search') {
      byId('filter-text').textContent = 'Search results for "' + view.q + '"';
      filter.hidden = false;
    } else {
      filter.hidden = true;
    }
  }

  function renderNote(doc) {
    var li = el('li', 'note' + (doc.pinned === true ? ' pinned' : ''));
    var head = el('div', 'note-head');
    head.appendChild(el('h3', null, typeof doc.title === 'string' ? doc.title : '(untitled)'));
    if (doc.pinned === true) { head.appendChild(el('span', 'badge', 'pinned')); }
    li.appendChild(head);

    if (typeof doc.body === 'string' && doc.body) {
      li.appendChild(el('p', 'body', doc.body));
    }

    if (Array.isArray(doc.tags) && doc.tags.length) {
      var tags = el('div', 'tags');
      doc.tags.forEach(function (t) {
        var tag = String(t);
        var b = button('#' + tag, 'tag', function () { filterByTag(tag); });
        b.title = 'Show notes tagged ' + tag;
        tags.appendChild(b);
      });
      li.appendChild(tags);
    }

    var meta = [];
    var created = toDate(doc.created_at);
    var updated = toDate(doc.updated_at);
    var expires = toDate(doc.expires_at);
    if (created) { meta.push('created ' + created.toLocaleString()); }
    if (updated && (!created || updated.getTime() - created.getTime() > 1000)) {
      meta.push('edited ' + updated.toLocaleString());
    }
    if (expires) { meta.push('expires ' + expires.toLocaleString()); }
    if (meta.length) { li.appendChild(el('p', 'meta', meta.join(' · '))); }

    var actions = el('div', 'actions');
    actions.appendChild(button(doc.pinned === true ? 'Unpin' : 'Pin', null, function () { togglePin(doc); }));
    actions.appendChild(button('Edit', null, function () { startEdit(li, doc); }));
    actions.appendChild(button('Delete', 'danger', function () { removeNote(doc); }));
    li.appendChild(actions);
    return li;
  }

  function startEdit(li, doc) {
    var form = document.createElement('form');
    form.className = 'edit';
    form.autocomplete = 'off';

    var title = document.createElement('input');
    title.name = 'title';
    title.required = true;
    title.maxLength = 200;
    title.value = typeof doc.title === 'string' ? doc.title : '';

    var body = document.createElement('textarea');
    body.name = 'body';
    body.rows = 5;
    body.maxLength = 10000;
    body.value = typeof doc.body === 'string' ? doc.body : '';

    var tags = document.createElement('input');
    tags.name = 'tags';
    tags.value = Array.isArray(doc.tags) ? doc.tags.join(', ') : '';

    var expires = document.createElement('select');
    expires.name = 'expires';
    [['keep', 'keep as is'], ['', 'never'], ['3600', 'in 1 hour'], ['86400', 'in 1 day'],
      ['604800', 'in 7 days'], ['2592000', 'in 30 days']].forEach(function (o) {
      var opt = document.createElement('option');
      opt.value = o[0];
      opt.textContent = o[1];
      expires.appendChild(opt);
    });

    function labelled(text, control) {
      var l = el('label', null, text + ' ');
      l.appendChild(control);
      return l;
    }
    form.appendChild(labelled('Title', title));
    form.appendChild(labelled('Text', body));
    form.appendChild(labelled('Tags', tags));
    form.appendChild(labelled('Expires', expires));

    var row = el('div', 'actions');
    var save = el('button', null, 'Save');
    save.type = 'submit';
    row.appendChild(save);
    row.appendChild(button('Cancel', null, function () {
      li.parentNode.replaceChild(renderNote(doc), li);
      if (stale) { stale = false; reload(); }
    }));
    form.appendChild(row);

    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var update = { $set: { title: title.value.trim(), body: body.value, tags: parseTags(tags.value) } };
      if (expires.value === '') {
        update.$unset = { expires_at: '' };
      } else if (expires.value !== 'keep') {
        update.$set.expires_at = extDate(Number(expires.value));
      }
      save.disabled = true;
      try {
        await labs.update(NOTES, doc, update).catch(function (e) { throw refused(e); });
        setStatus('Saved.');
        await reload();
      } catch (e) {
        save.disabled = false;
        if (e.status !== 401) { setStatus('Could not save: ' + e.message, true); }
      }
    });

    while (li.firstChild) { li.removeChild(li.firstChild); }
    li.appendChild(form);
    title.focus();
  }

  // ---- actions -----------------------------------------------------------

  async function createNote(ev) {
    ev.preventDefault();
    var f = ev.currentTarget;
    var doc = {
      title: f.elements.title.value.trim(),
      body: f.elements.body.value,
      tags: parseTags(f.elements.tags.value),
      pinned: f.elements.pinned.checked
    };
    if (!doc.title) {
      setStatus('A note needs a title.', true);
      return;
    }
    if (f.elements.expires.value) { doc.expires_at = extDate(Number(f.elements.expires.value)); }
    var submit = f.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      await labs.insert(NOTES, doc).catch(function (e) { throw refused(e); });
      f.reset();
      setStatus('Note added.');
      await showAll();
    } catch (e) {
      if (e.status === 409) {
        setStatus('You already have a note with that title.', true);
      } else if (e.status !== 401) {
        setStatus('Could not add the note: ' + e.message, true);
      }
    } finally {
      submit.disabled = false;
    }
  }

  async function togglePin(doc) {
    try {
      await labs.update(NOTES, doc, { $set: { pinned: doc.pinned !== true } }).catch(function (e) { throw refused(e); });
      await reload();
    } catch (e) {
      if (e.status !== 401) { setStatus('Could not change the pin: ' + e.message, true); }
    }
  }

  async function removeNote(doc) {
    var title = typeof doc.title === 'string' ? doc.title : 'this note';
    if (!window.confirm('Delete "' + title + '"?')) { return; }
    try {
      await labs.delete(NOTES, doc).catch(function (e) { throw refused(e); });
      setStatus('Deleted.');
      await reload();
    } catch (e) {
      if (e.status !== 401) { setStatus('Could not delete: ' + e.message, true); }
    }
  }

  function search(ev) {
    ev.preventDefault();
    var q = ev.currentTarget.elements.q.value.trim();
    if (!q) { return showAll(); }
    view.mode = 'search';
    view.q = q.slice(0, 200);
    view.tag = null;
    return reload();
  }

  document.querySelectorAll('a[href^="/auth/login"]').forEach(function (a) {
    a.href = '/auth/login?next=' + encodeURIComponent(location.pathname);
  });

  document.addEventListener('DOMContentLoaded', function () {
    byId('new-note').addEventListener('submit', createNote);
    byId('search').addEventListener('submit', search);
    byId('clear-filter').addEventListener('click', showAll);
    byId('more').addEventListener('click', function () { load(true); });
    // subscribe first and load when the stream is open (onReady), so no change falls between the load and the stream
    live();
  });
