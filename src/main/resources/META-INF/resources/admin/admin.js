// Modular Labs admin panel. No dependencies, no inline scripts: everything goes through /admin/api.
(function () {
  'use strict';
  var body = document.body;
  var message = document.getElementById('message');

  function say(text, isError) {
    if (!message) { return; }
    message.textContent = text;
    message.className = 'message' + (isError ? ' error' : '');
  }

  function api(method, url, payload, headers, rawBody) {
    var opts = { method: method, headers: headers || {}, credentials: 'same-origin' };
    if (rawBody !== undefined) { opts.body = rawBody; }
    // proves the call comes from this panel, not from an experiment page on the same origin (docs/security.md)
    var token = document.querySelector('meta[name="labs-admin-token"]');
    if (token) { opts.headers['X-Labs-Admin-Token'] = token.getAttribute('content'); }
    if (payload instanceof FormData) {
      opts.body = payload;
    } else if (payload !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(payload);
    }
    return fetch(url, opts).then(function (r) {
      var type = r.headers.get('Content-Type') || '';
      var parsed = type.indexOf('json') >= 0 ? r.json() : r.text();
      return parsed.then(function (data) {
        if (!r.ok) {
          var err = new Error((data && data.detail) || (data && data.title) || ('HTTP ' + r.status));
          err.status = r.status; err.problem = data;
          throw err;
        }
        return { data: data, headers: r.headers, status: r.status };
      });
    });
  }

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function dateOf(v) {
    if (v && v.$date) { v = v.$date; }
    return v ? new Date(v).toLocaleString() : '';
  }

  function setStatus(slug, status) {
    return api('POST', '/admin/api/experiments/' + encodeURIComponent(slug) + '/status', { status: status });
  }

  // ---- dashboard ----
  function dashboard() {
    document.querySelectorAll('button.status-switch').forEach(function (b) {
      b.addEventListener('click', function () {
        b.disabled = true;
        setStatus(b.dataset.slug, b.dataset.status).then(function () {
          say(b.dataset.slug + ' is now ' + b.dataset.status);
          window.location.reload();
        }).catch(function (e) { b.disabled = false; say(e.message, true); });
      });
    });
    uploadForm('import-form', function () { return '/admin/api/import'; });
    var create = document.getElementById('create-form');
    var nameInput = create.querySelector('[name=name]');
    var slugInput = create.querySelector('[name=slug]');
    var slugTouched = false;
    slugInput.addEventListener('input', function () { slugTouched = true; });
    nameInput.addEventListener('input', function () {
      if (!slugTouched) { slugInput.value = nameInput.value.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 48); }
    });
    create.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var v = formValues(create);
      api('POST', '/admin/api/experiments', { name: v.name, slug: v.slug }).then(function (r) {
        window.location.href = '/admin/experiments/' + encodeURIComponent(r.data.slug);
      }).catch(function (e) { say(problemText(e), true); });
    });
  }

  function uploadForm(id, urlOf) {
    var form = document.getElementById(id);
    if (!form) { return; }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      say('Uploading…');
      api('POST', urlOf(), new FormData(form)).then(function (r) {
        say('Installed ' + r.data.slug + ' version ' + r.data.version + ' (' + r.data.files + ' files)');
        setTimeout(function () { window.location.reload(); }, 800);
      }).catch(function (e) {
        var extra = e.problem && e.problem.errors ? ': ' + e.problem.errors.map(function (x) { return x.path + ' ' + x.message; }).join('; ') : '';
        say(e.message + extra, true);
      });
    });
  }

  // ---- one experiment ----
  function experiment() {
    var slug = body.dataset.slug;
    var base = '/admin/api/experiments/' + encodeURIComponent(slug);
    var etag = null;
    var textarea = document.getElementById('manifest');

    function loadConfig() {
      return api('GET', base).then(function (r) {
        etag = r.headers.get('ETag');
        document.getElementById('version').textContent = r.data.version;
        textarea.value = JSON.stringify(r.data.manifest, null, 2);
        textarea.dispatchEvent(new Event('labs:loaded')); // the code editor (manifest-editor.js) takes the new text
        showErrors(r.data.errors || []);
      });
    }

    function loadFolderDiff() {
      return api('GET', base + '/folder').then(function (r) {
        var box = document.getElementById('folder-diff');
        var tb = document.getElementById('folder-changes');
        tb.textContent = '';
        (r.data.changes || []).forEach(function (c) {
          var tr = el('tr');
          [c.key, JSON.stringify(c.database), JSON.stringify(c.folder)].forEach(function (v) { tr.appendChild(el('td', v === undefined || v === 'null' ? '(absent)' : v)); });
          tb.appendChild(tr);
        });
        box.hidden = !r.data.differs;
      }).catch(function () { });
    }

    function showErrors(errors) {
      var ul = document.getElementById('manifest-errors');
      ul.textContent = '';
      errors.forEach(function (e) { ul.appendChild(el('li', e.path + ': ' + e.message, { 'data-path': e.path })); });
    }

    if (textarea) {
      loadConfig().catch(function (e) { say(e.message, true); });
      document.getElementById('manifest-save').addEventListener('click', function () {
        var parsed;
        try { parsed = JSON.parse(textarea.value); } catch (e) { showErrors([{ path: '$', message: e.message }]); return; }
        api('PUT', base, parsed, { 'If-Match': etag || '' }).then(function () {
          say('Saved'); return loadConfig();
        }).catch(function (e) {
          if (e.status === 412) { say('Someone else saved in the meantime: reload the page and apply your change again.', true); }
          else { say(e.message, true); }
          if (e.problem && e.problem.errors) { showErrors(e.problem.errors); }
        });
      });
      document.getElementById('status-save').addEventListener('click', function () {
        var s = document.getElementById('status-select').value;
        setStatus(slug, s).then(function () { say('Status: ' + s); return loadConfig(); }).catch(function (e) { say(e.message, true); });
      });
      document.getElementById('reload').addEventListener('click', function () {
        api('POST', base + '/reload').then(function () { say('Reloaded'); }).catch(function (e) { say(e.message, true); });
      });
      loadFolderDiff();
      document.getElementById('folder-adopt').addEventListener('click', function () {
        api('POST', base + '/folder/adopt', undefined, { 'If-Match': etag || '' }).then(function () {
          say('Adopted the folder\'s manifest'); return loadConfig().then(loadFolderDiff);
        }).catch(function (e) { say(e.message, true); });
      });
      loadIndexes();
      setInterval(loadIndexes, 15000);
      loadActivity();
      setInterval(loadActivity, 10000);
      loadTriggerFailures();
      loadFiles();
      loadHistory();
      document.getElementById('export-start').addEventListener('click', startExport);
    }
    uploadForm('upload-form', function () { return base + '/bundle'; });

    function loadIndexes() {
      api('GET', base + '/indexes').then(function (r) {
        var tb = document.getElementById('indexes');
        tb.textContent = '';
        r.data.forEach(function (i) {
          var tr = el('tr');
          [i.collection, i.name, i.type, i.status, i.error || ''].forEach(function (v) { tr.appendChild(el('td', v)); });
          tb.appendChild(tr);
        });
        if (!r.data.length) { tb.appendChild(el('tr')).appendChild(el('td', 'No managed indexes.', { colspan: '5' })); }
      }).catch(function () { /* shown on the next poll */ });
    }

    function loadActivity() {
      api('GET', base + '/activity').then(function (r) {
        var t = r.data.totals;
        document.getElementById('act-requests').textContent = t.requests;
        document.getElementById('act-errors').textContent = t.errors + (t.server_errors ? ' (' + t.server_errors + ' server)' : '');
        document.getElementById('act-p95').textContent = t.requests ? t.p95_millis + ' ms' : '–';
        document.getElementById('act-data').textContent = t.data_calls;
        document.getElementById('act-subscribers').textContent = t.subscribers;
        document.getElementById('act-functions').textContent = t.function_calls;
        var iv = r.data.interval_seconds;
        document.getElementById('activity-interval').textContent = iv === 60 ? 'minute' : iv + ' s';
        drawChart(document.getElementById('activity-chart'), r.data.samples.concat([r.data.current]));
      }).catch(function () { /* shown on the next poll */ });
    }

    // inline SVG (no chart library): requests as a blue line over filled area, errors as red bars
    function drawChart(box, samples) {
      var NS = 'http://www.w3.org/2000/svg';
      var W = 600, H = 120, P = 4;
      function svgEl(tag, attrs) {
        var e = document.createElementNS(NS, tag);
        Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
        return e;
      }
      var max = 1;
      samples.forEach(function (s) { max = Math.max(max, s.requests, s.errors); });
      var n = Math.max(samples.length, 2);
      function x(i) { return P + i * (W - 2 * P) / (n - 1); }
      function y(v) { return H - P - v * (H - 2 * P) / max; }
      var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', height: H, preserveAspectRatio: 'none', 'data-points': samples.length });
      svg.appendChild(svgEl('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, stroke: '#ccd', 'stroke-width': 1 }));
      var pts = samples.map(function (s, i) { return x(i) + ',' + y(s.requests); });
      if (samples.length) {
        svg.appendChild(svgEl('polygon', { points: x(0) + ',' + (H - P) + ' ' + pts.join(' ') + ' ' + x(samples.length - 1) + ',' + (H - P), fill: '#1a4fa022' }));
        svg.appendChild(svgEl('polyline', { points: pts.join(' '), fill: 'none', stroke: '#1a4fa0', 'stroke-width': 2, class: 'requests' }));
      }
      samples.forEach(function (s, i) {
        if (s.errors > 0) {
          svg.appendChild(svgEl('rect', { x: x(i) - 2, y: y(s.errors), width: 4, height: H - P - y(s.errors), fill: '#c0392b', class: 'errors' }));
        }
      });
      box.textContent = '';
      box.appendChild(svg);
      box.appendChild(el('span', 'peak ' + max + ' per interval', { 'class': 'chart-label' }));
    }

    function loadTriggerFailures() {
      api('GET', '/admin/api/triggers/failures?experiment=' + encodeURIComponent(slug)).then(function (r) {
        var tb = document.getElementById('trigger-failures');
        tb.textContent = '';
        r.data.items.forEach(function (f) {
          var tr = el('tr', null, { 'data-id': f._id });
          [dateOf(f.updated_at || f.created_at), f.collection, f['function'], f.attempts, f.last_error || ''].forEach(function (v) { tr.appendChild(el('td', v)); });
          var b = el('button', 'Retry', { type: 'button', 'class': 'retry' });
          b.addEventListener('click', function () {
            b.disabled = true;
            api('POST', '/admin/api/triggers/failures/' + encodeURIComponent(f._id) + '/retry').then(function () {
              say('Delivery ' + f._id + ' queued again');
              loadTriggerFailures();
            }).catch(function (e) { b.disabled = false; say(e.message, true); });
          });
          tr.appendChild(el('td')).appendChild(b);
          tb.appendChild(tr);
        });
        if (!r.data.items.length) { tb.appendChild(el('tr')).appendChild(el('td', 'No failed deliveries.', { colspan: '6' })); }
      }).catch(function (e) { say(e.message, true); });
    }

    function loadFiles() {
      api('GET', base + '/files').then(function (r) {
        var ul = document.getElementById('file-list');
        ul.textContent = '';
        r.data.files.forEach(function (f) {
          var li = el('li');
          if (f.type === 'file') {
            var b = el('button', f.path, { type: 'button' });
            b.addEventListener('click', function () { showFile(f.path); });
            li.appendChild(b);
          } else {
            li.textContent = f.path + '/';
          }
          ul.appendChild(li);
        });
      }).catch(function (e) { document.getElementById('file-content').textContent = e.message; });
    }

    function showFile(path) {
      var pre = document.getElementById('file-content');
      api('GET', base + '/files?path=' + encodeURIComponent(path)).then(function (r) {
        pre.textContent = r.data.too_large ? '[File too large to show: ' + r.data.size + ' bytes]'
          : r.data.is_binary ? '[Binary file, ' + r.data.size + ' bytes]' : r.data.content;
      }).catch(function (e) { pre.textContent = e.message; });
    }

    function loadHistory() {
      api('GET', base + '/exports').then(function (r) {
        var tb = document.getElementById('export-history');
        tb.textContent = '';
        r.data.items.forEach(function (x) {
          var tr = el('tr');
          [dateOf(x.created_at), x.user_email, x.status, x.documents, x.file_size || ''].forEach(function (v) { tr.appendChild(el('td', v)); });
          var td = el('td');
          if (x.download && x.status === 'done') { td.appendChild(el('a', 'Download', { href: x.download })); }
          else if (x.available === false) { td.appendChild(el('span', x.note || 'not available here')); }
          else if (x.error) { td.appendChild(el('span', x.error)); }
          tr.appendChild(td);
          tb.appendChild(tr);
        });
      }).catch(function () { });
    }

    function startExport() {
      var progress = document.getElementById('export-progress');
      var state = document.getElementById('export-state');
      var link = document.getElementById('export-download');
      link.hidden = true;
      progress.hidden = false;
      progress.value = 0;
      api('POST', base + '/exports').then(function (r) {
        var id = r.data.id;
        var timer = setInterval(function () {
          api('GET', '/admin/api/exports/' + id).then(function (s) {
            progress.value = s.data.percent || 0;
            state.textContent = s.data.status + ' · ' + s.data.documents + ' documents · ' + s.data.bytes + ' bytes';
            if (s.data.status === 'done' || s.data.status === 'failed') {
              clearInterval(timer);
              if (s.data.status === 'done') { link.href = s.data.download; link.hidden = false; }
              else { say('Export failed: ' + (s.data.error || ''), true); }
              loadHistory();
            }
          }).catch(function (e) { clearInterval(timer); say(e.message, true); });
        }, 1000);
      }).catch(function (e) { say(e.message, true); });
    }
  }

  function problemText(e) {
    var extra = e.problem && e.problem.errors ? ': ' + e.problem.errors.map(function (x) { return x.path + ' ' + x.message; }).join('; ') : '';
    return e.message + extra;
  }

  function button(text, onClick, cls) {
    var b = el('button', text, { type: 'button' });
    if (cls) { b.className = cls; }
    b.addEventListener('click', function () {
      b.disabled = true;
      Promise.resolve(onClick()).catch(function (e) { say(problemText(e), true); }).then(function () { b.disabled = false; });
    });
    return b;
  }

  function formValues(form) {
    var out = {};
    new FormData(form).forEach(function (v, k) { out[k] = v; });
    return out;
  }

  // ---- users ----
  function users() {
    var all = [];
    var next = null;
    var tbody = document.querySelector('#users tbody');
    var search = document.getElementById('user-search');
    var more = document.getElementById('user-more');

    var searchTimer = null;
    var loaded = 0;
    function load(reset) {
      var q = search.value.trim();
      var url = '/admin/api/users?limit=50' + (q ? '&q=' + encodeURIComponent(q) : '') + (!reset && next ? '&after=' + encodeURIComponent(next) : '');
      var mine = ++loaded;
      return api('GET', url).then(function (r) {
        if (mine !== loaded) { return; } // an answer to an older search text
        all = reset ? r.data.items : all.concat(r.data.items);
        next = r.data.next;
        more.hidden = !next;
        render();
      }).catch(function (e) { say(problemText(e), true); });
    }

    function render() {
      tbody.textContent = '';
      tbody.setAttribute('data-query', search.value.trim());
      all.forEach(function (u) {
        var tr = el('tr', null, { 'data-email': u.email, 'data-id': u.id });
        tr.appendChild(el('td', u.email));
        var roles = el('td', null, { 'class': 'roles' });
        u.roles.forEach(function (r) {
          var chip = el('span', r, { 'class': 'chip', 'data-role': r });
          chip.appendChild(button('×', function () {
            if (!window.confirm('Revoke ' + r + ' from ' + u.email + '? Their sessions end.')) { return null; }
            return api('POST', '/admin/api/roles/revoke', { email: u.email, role: r }).then(function () { say('Revoked ' + r + ' from ' + u.email); return load(true); });
          }, 'chip-x'));
          roles.appendChild(chip);
        });
        var grant = el('input', null, { type: 'text', placeholder: 'role', 'aria-label': 'Role to grant to ' + u.email, 'class': 'grant-role' });
        roles.appendChild(grant);
        roles.appendChild(button('Grant', function () {
          var role = grant.value.trim();
          if (!role) { say('Type a role name first', true); return null; }
          return api('POST', '/admin/api/roles/grants', { email: u.email, role: role }).then(function () { say('Granted ' + role + ' to ' + u.email); return load(true); });
        }, 'grant'));
        tr.appendChild(roles);
        tr.appendChild(el('td', (u.disabled ? 'disabled' : 'active') + (u.email_verified ? '' : ' · unverified'), { 'class': u.disabled ? 'status-inactive' : 'status-active' }));
        var acts = el('td', null, { 'class': 'actions' });
        acts.appendChild(button(u.disabled ? 'Enable' : 'Disable', function () {
          return api('POST', '/admin/api/users/' + encodeURIComponent(u.id) + (u.disabled ? '/enable' : '/disable')).then(function () {
            say(u.email + (u.disabled ? ' enabled' : ' disabled')); return load(true);
          });
        }, 'toggle'));
        acts.appendChild(button('Set password', function () {
          var pw = window.prompt('New password for ' + u.email + ' (8+ characters). Their sessions end.');
          if (!pw) { return null; }
          return api('POST', '/admin/api/users/' + encodeURIComponent(u.id) + '/password', { password: pw }).then(function () { say('Password of ' + u.email + ' set'); });
        }, 'password'));
        acts.appendChild(button('Sessions', function () { return showSessions(u); }, 'sessions'));
        acts.appendChild(button('Delete', function () {
          if (!window.confirm('Delete ' + u.email + '? This cannot be undone.')) { return null; }
          return api('DELETE', '/admin/api/users/' + encodeURIComponent(u.id)).then(function () { say('Deleted ' + u.email); return load(true); });
        }, 'danger delete'));
        tr.appendChild(acts);
        tbody.appendChild(tr);
      });
      if (!tbody.children.length) { tbody.appendChild(el('tr')).appendChild(el('td', 'No users match.', { colspan: '4' })); }
    }

    function showSessions(u) {
      var box = document.getElementById('user-detail');
      document.getElementById('detail-email').textContent = u.email;
      return api('GET', '/admin/api/users/' + encodeURIComponent(u.id) + '/sessions').then(function (r) {
        var tb = document.getElementById('sessions');
        tb.textContent = '';
        r.data.forEach(function (s) {
          var tr = el('tr');
          [s.use || s.kind || '', dateOf(s.created_at), dateOf(s.expires_at)].forEach(function (v) { tr.appendChild(el('td', v)); });
          var td = el('td');
          td.appendChild(button('End', function () {
            return api('DELETE', '/admin/api/users/' + encodeURIComponent(u.id) + '/sessions/' + encodeURIComponent(s.id)).then(function () { return showSessions(u); });
          }));
          tr.appendChild(td);
          tb.appendChild(tr);
        });
        if (!r.data.length) { tb.appendChild(el('tr')).appendChild(el('td', 'No live sessions.', { colspan: '4' })); }
        box.hidden = false;
        document.getElementById('sessions-end-all').onclick = function () {
          api('DELETE', '/admin/api/users/' + encodeURIComponent(u.id) + '/sessions').then(function (x) {
            say('Ended ' + x.data.ended + ' sessions of ' + u.email); return showSessions(u);
          }).catch(function (e) { say(problemText(e), true); });
        };
        box.scrollIntoView();
      });
    }

    // the server searches (e-mail substring or exact role) over all users; typing waits for a pause
    search.addEventListener('input', function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () { load(true); }, 250);
    });
    more.addEventListener('click', function () { load(false); });
    document.getElementById('user-create').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var v = formValues(ev.target);
      var roles = (v.roles || '').split(',').map(function (r) { return r.trim(); }).filter(Boolean);
      api('POST', '/admin/api/users', { email: v.email, password: v.password, roles: roles }).then(function () {
        say('Created ' + v.email); ev.target.reset(); return load(true);
      }).catch(function (e) { say(problemText(e), true); });
    });
    load(true);
  }

  // ---- roles ----
  function roles() {
    var tbody = document.querySelector('#roles tbody');
    function load() {
      return Promise.all([api('GET', '/admin/api/roles'), api('GET', '/admin/api/role-experiments')]).then(function (rs) {
        var exps = rs[1].data;
        var names = {};
        rs[0].data.forEach(function (r) { names[r.role] = r.users; });
        Object.keys(exps).forEach(function (r) { if (!names[r]) { names[r] = []; } });
        tbody.textContent = '';
        Object.keys(names).sort().forEach(function (role) {
          var tr = el('tr', null, { 'data-role': role });
          tr.appendChild(el('td', role));
          var members = el('td');
          names[role].forEach(function (email) {
            var chip = el('span', email, { 'class': 'chip' });
            chip.appendChild(button('×', function () {
              if (!window.confirm('Revoke ' + role + ' from ' + email + '?')) { return null; }
              return api('POST', '/admin/api/roles/revoke', { email: email, role: role }).then(function () { say('Revoked'); return load(); });
            }, 'chip-x'));
            members.appendChild(chip);
          });
          if (!names[role].length) { members.appendChild(el('span', 'nobody', { 'class': 'empty' })); }
          tr.appendChild(members);
          var td = el('td');
          (exps[role] || []).forEach(function (slug) { td.appendChild(el('a', slug, { href: '/admin/experiments/' + slug, 'class': 'chip' })); });
          tr.appendChild(td);
          tbody.appendChild(tr);
        });
        if (!tbody.children.length) { tbody.appendChild(el('tr')).appendChild(el('td', 'No roles yet.', { colspan: '3' })); }
      }).catch(function (e) { say(problemText(e), true); });
    }
    document.getElementById('role-grant').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var v = formValues(ev.target);
      api('POST', '/admin/api/roles/grants', { email: v.email, role: v.role }).then(function () {
        say('Granted ' + v.role + ' to ' + v.email); ev.target.reset(); return load();
      }).catch(function (e) { say(problemText(e), true); });
    });
    load();
  }

  // ---- audit log ----
  function audit() {
    var form = document.getElementById('audit-filter');
    var tbody = document.querySelector('#audit tbody');
    var more = document.getElementById('audit-more');
    var next = null;
    var params = new URLSearchParams(window.location.search);
    ['slug', 'actor', 'action'].forEach(function (k) { if (params.get(k)) { form.elements[k].value = params.get(k); } });

    function short(v) {
      if (v === undefined || v === null) { return ''; }
      var s = typeof v === 'string' ? v : JSON.stringify(v);
      return s.length > 300 ? s.slice(0, 300) + '…' : s;
    }

    function load(reset) {
      var q = new URLSearchParams();
      ['slug', 'actor', 'action'].forEach(function (k) { if (form.elements[k].value.trim()) { q.set(k, form.elements[k].value.trim()); } });
      if (form.elements.since.value) { q.set('since', new Date(form.elements.since.value).toISOString()); }
      if (!reset && next) { q.set('after', next); }
      return api('GET', '/admin/api/audit?' + q.toString()).then(function (r) {
        if (reset) { tbody.textContent = ''; }
        r.data.items.forEach(function (a) {
          var tr = el('tr', null, { 'data-action': a.action, 'data-slug': a.slug || '' });
          tr.appendChild(el('td', dateOf(a.at)));
          tr.appendChild(el('td', a.actor));
          tr.appendChild(el('td', a.action, { 'class': 'action', title: a.method + ' ' + a.path }));
          tr.appendChild(el('td', [a.slug, a.target].filter(Boolean).join(' · ')));
          var change = el('td', null, { 'class': 'change' });
          if (a.before !== undefined || a.after !== undefined) {
            change.appendChild(el('code', short(a.before), { 'class': 'before' }));
            change.appendChild(document.createTextNode(' → '));
            change.appendChild(el('code', short(a.after), { 'class': 'after' }));
          }
          tr.appendChild(change);
          tbody.appendChild(tr);
        });
        if (!tbody.children.length) { tbody.appendChild(el('tr')).appendChild(el('td', 'No entries match.', { colspan: '5' })); }
        next = r.data.next;
        more.hidden = !next;
      }).catch(function (e) { say(problemText(e), true); });
    }
    form.addEventListener('submit', function (ev) { ev.preventDefault(); load(true); });
    more.addEventListener('click', function () { load(false); });
    load(true);
  }


  // ---- data browser ----
  function dataBrowser() {
    var slug = body.dataset.slug;
    var base = '/admin/api/experiments/' + encodeURIComponent(slug) + '/data';
    var coll = null, next = null, current = null;
    var query = document.getElementById('doc-query');

    function idOf(d) { return d._id && d._id.$oid ? d._id.$oid : String(d._id); }

    function loadCollections() {
      return api('GET', base).then(function (r) {
        var tb = document.querySelector('#collections tbody');
        tb.textContent = '';
        r.data.collections.forEach(function (c) {
          var tr = el('tr', null, { 'data-coll': c.name });
          var td = el('td');
          td.appendChild(button(c.name, function () { coll = c.name; return loadPage(true); }, 'open-coll'));
          tr.appendChild(td);
          tr.appendChild(el('td', c.count, { 'class': 'count' }));
          tr.appendChild(el('td', c.schema ? 'yes' : 'no'));
          tr.appendChild(el('td', c.indexes.map(function (i) { return i.name + ' (' + i.type + ', ' + i.status + ')'; }).join(', ') || '–'));
          tb.appendChild(tr);
        });
        if (!r.data.collections.length) { tb.appendChild(el('tr')).appendChild(el('td', 'No collections in the manifest.', { colspan: '4' })); }
      }).catch(function (e) { say(problemText(e), true); });
    }

    function loadPage(first) {
      var v = formValues(query);
      var url = base + '/' + encodeURIComponent(coll) + '?limit=20&count=true' + (v.filter ? '&filter=' + encodeURIComponent(v.filter) : '')
        + (v.sort ? '&sort=' + encodeURIComponent(v.sort) : '') + (!first && next ? '&after=' + encodeURIComponent(next) : '');
      return api('GET', url).then(function (r) {
        document.getElementById('documents').hidden = false;
        document.getElementById('coll-name').textContent = coll;
        var tb = document.querySelector('#doc-list tbody');
        tb.textContent = '';
        r.data.items.forEach(function (d) {
          var id = idOf(d);
          var tr = el('tr', null, { 'data-id': id });
          var td = el('td');
          td.appendChild(button(id, function () { return openDoc(id); }, 'open-doc'));
          tr.appendChild(td);
          var shown = Object.assign({}, d); delete shown._id;
          tr.appendChild(el('td', JSON.stringify(shown).slice(0, 160), { 'class': 'doc-preview' }));
          tb.appendChild(tr);
        });
        if (!r.data.items.length) { tb.appendChild(el('tr')).appendChild(el('td', 'No documents match.', { colspan: '2' })); }
        next = r.data.next;
        document.getElementById('doc-next').hidden = !next;
        document.getElementById('doc-count').textContent = r.data.count + ' matching';
      }).catch(function (e) { say(problemText(e), true); });
    }

    function showDocErrors(errors) {
      var ul = document.getElementById('doc-errors');
      ul.textContent = '';
      (errors || []).forEach(function (e) { ul.appendChild(el('li', e.path + ': ' + e.message, { 'data-path': e.path })); });
    }

    function openDoc(id) {
      return api('GET', base + '/' + encodeURIComponent(coll) + '/' + encodeURIComponent(id)).then(function (r) {
        current = id;
        document.getElementById('doc-detail').hidden = false;
        document.getElementById('doc-id').textContent = coll + '/' + id;
        document.getElementById('doc-json').value = JSON.stringify(r.data, null, 2);
        showDocErrors([]);
        document.getElementById('doc-detail').scrollIntoView();
      });
    }

    document.getElementById('doc-save').addEventListener('click', function () {
      var text = document.getElementById('doc-json').value;
      try { JSON.parse(text); } catch (e) { showDocErrors([{ path: '$', message: e.message }]); return; }
      fetchJson('PUT', base + '/' + encodeURIComponent(coll) + '/' + encodeURIComponent(current), text).then(function () {
        say('Saved ' + coll + '/' + current); showDocErrors([]); return loadPage(true);
      }).catch(function (e) { say(problemText(e), true); showDocErrors(e.problem && e.problem.errors); });
    });
    document.getElementById('doc-delete').addEventListener('click', function () {
      if (!window.confirm('Delete ' + coll + '/' + current + '?')) { return; }
      api('DELETE', base + '/' + encodeURIComponent(coll) + '/' + encodeURIComponent(current)).then(function () {
        say('Deleted ' + coll + '/' + current);
        document.getElementById('doc-detail').hidden = true;
        return loadPage(true).then(loadCollections);
      }).catch(function (e) { say(problemText(e), true); });
    });
    query.addEventListener('submit', function (ev) { ev.preventDefault(); loadPage(true); });
    document.getElementById('doc-next').addEventListener('click', function () { loadPage(false); });
    document.getElementById('doc-first').addEventListener('click', function () { loadPage(true); });

    // the document text as typed (api() would re-serialize it)
    function fetchJson(method, url, text) {
      return api(method, url, undefined, { 'Content-Type': 'application/json' }, text);
    }
    loadCollections();
  }

  if (body.dataset.page === 'audit') { audit(); }
  if (body.dataset.page === 'data') { dataBrowser(); }
  if (body.dataset.page === 'users') { users(); }
  if (body.dataset.page === 'roles') { roles(); }
  if (body.dataset.page === 'dashboard') { dashboard(); }
  if (body.dataset.page === 'experiment') { experiment(); }
}());
