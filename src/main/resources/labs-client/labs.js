// labs.js: the Modular Labs client, served by the engine at /labs.js (ES module; types at /labs.d.ts).
// import { labs } from '/labs.js' in an experiment's page: the experiment comes from the page URL
// (/experiments/<slug>/...), so a copied experiment talks to its own data under its new slug.

/** One error type for everything the engine refuses: the RFC 9457 problem details, plus the HTTP status. */
export class LabsError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(problemMessage(p, status));
    this.name = 'LabsError';
    this.status = status;
    this.type = p.type || 'about:blank';
    this.title = p.title || '';
    this.detail = p.detail || '';
    this.errors = Array.isArray(p.errors) ? p.errors : [];
    this.problem = p;
  }
}

/** A readable one-line message: detail (or title), then each error's path and message. */
export function problemMessage(p, status) {
  let msg = (p && (p.detail || p.title)) || '';
  if (p && Array.isArray(p.errors) && p.errors.length) {
    msg += (msg ? ': ' : '') + p.errors.map((e) => (e.path ? e.path + ' ' : '') + (e.message || '')).join('; ');
  }
  return msg || 'HTTP ' + status;
}

/** The experiment slug of a page path (/experiments/<slug>/...), or null. */
export function slugFromPath(pathname) {
  const m = /^\/experiments\/([^/?#]+)/.exec(pathname || '');
  return m ? decodeURIComponent(m[1]) : null;
}

/** A document id as a string: relaxed Extended JSON {"$oid": ...} or a plain string/number. */
export function idOf(docOrId) {
  const id = docOrId && typeof docOrId === 'object' && '_id' in docOrId ? docOrId._id : docOrId;
  if (id && typeof id === 'object' && typeof id.$oid === 'string') return id.$oid;
  if (typeof id === 'string' || typeof id === 'number') return String(id);
  return null;
}

/** A Date from relaxed Extended JSON ({"$date": ISO} or {"$date": {"$numberLong": ms}}), or null. */
export function toDate(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && v.$date !== undefined) v = v.$date;
  if (v && typeof v === 'object' && v.$numberLong !== undefined) v = Number(v.$numberLong);
  const d = new Date(v);
  return isNaN(d.getTime()) ? null : d;
}

/** A number from a JSON number or relaxed Extended JSON ({"$numberLong": "5"}). */
export function toNumber(v) {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object') {
    const inner = v.$numberLong ?? v.$numberInt ?? v.$numberDouble ?? v.$numberDecimal;
    if (inner !== undefined) return Number(inner);
  }
  const n = Number(v);
  return isNaN(n) ? 0 : n;
}

/** The query string of list options: filter (object, sent as JSON), sort, fields, limit, after, count. */
export function listQuery(opts = {}) {
  const q = new URLSearchParams();
  if (opts.filter !== undefined && opts.filter !== null) q.set('filter', typeof opts.filter === 'string' ? opts.filter : JSON.stringify(opts.filter));
  for (const k of ['sort', 'fields']) {
    const v = opts[k];
    if (v !== undefined && v !== null) q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  for (const k of ['limit', 'after']) {
    if (opts[k] !== undefined && opts[k] !== null) q.set(k, String(opts[k]));
  }
  if (opts.count) q.set('count', 'true');
  const s = q.toString();
  return s ? '?' + s : '';
}

/**
 * Incremental Server-Sent Events parser: feed it text chunks as they arrive; it returns the complete events
 * ({id, event, data}) and keeps the unfinished tail for the next chunk. Comment lines are ignored.
 */
export function sseParser() {
  let buf = '';
  let id = null;
  let event = 'message';
  let data = [];
  return function feed(chunk) {
    buf += chunk;
    const out = [];
    let nl;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      if (buf[nl] === '\r' && nl === buf.length - 1) break; // a CR at the end may be half of a CRLF
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf[nl] === '\r' && buf[nl + 1] === '\n' ? 2 : 1));
      if (line === '') {
        if (data.length) out.push({ id, event, data: data.join('\n') });
        event = 'message';
        data = [];
        id = null;
        continue;
      }
      if (line[0] === ':') continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
    return out;
  };
}

/** Reconnect delay after `attempt` consecutive failures: 0.5 s doubling to 30 s, with up to 25% jitter. */
export function backoff(attempt, random = Math.random) {
  const base = Math.min(30000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 - 0.25 * random()));
}

/** Whether an "end" event (or a refused connection) is worth reconnecting after: not for access problems. */
export function retryable(status) {
  return !(status === 400 || status === 401 || status === 403 || status === 404);
}

const enc = encodeURIComponent;

/** A client for one experiment. Options: slug (default: from the page URL), base URL, bearer token, fetch. */
export function createLabs(options = {}) {
  const loc = typeof location !== 'undefined' ? location : null;
  const slug = options.slug || (loc ? slugFromPath(loc.pathname) : null);
  if (!slug) throw new LabsError(0, { title: 'No experiment', detail: 'labs.js could not find the experiment in the page URL; pass { slug }' });
  const base = (options.base || '').replace(/\/$/, '');
  const doFetch = options.fetch || ((...a) => fetch(...a));
  let token = options.token || null;
  const api = base + '/experiments/' + enc(slug) + '/api';

  async function request(method, path, body, absolute) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    const res = await doFetch((absolute ? base : api) + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = res.status === 204 ? '' : await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (!res.ok) throw new LabsError(res.status, data);
    return data;
  }

  const labs = {
    slug,
    /** Logs in with the session cookie (browsers), or stores a bearer token when created with one. */
    async login(email, password) {
      if (options.token !== undefined || !loc) {
        const r = await request('POST', '/auth/token', { email, password }, true);
        token = r.access_token;
        return labs.me();
      }
      return request('POST', '/auth/login', { email, password }, true);
    },
    async logout() {
      token = null;
      await request('POST', '/auth/logout', undefined, true);
    },
    /** The current user ({email, roles, admin}) or null when not logged in. */
    async me() {
      try {
        return await request('GET', '/auth/me', undefined, true);
      } catch (e) {
        if (e instanceof LabsError && e.status === 401) return null;
        throw e;
      }
    },
    /** One page: {items, next, count?}; opts.owner reads another experiment's collection (data_scope, _shared). */
    list(coll, opts = {}) {
      const path = opts.owner && opts.owner !== slug ? '/_shared/' + enc(opts.owner) + '/' + enc(coll) : '/' + enc(coll);
      return request('GET', path + listQuery(opts));
    },
    /** Every matching document, page after page (keyset cursor), as an async iterator. */
    async *iterate(coll, opts = {}) {
      let after = opts.after;
      do {
        const page = await labs.list(coll, { ...opts, after, count: false });
        for (const d of page.items || []) yield d;
        after = page.next;
      } while (after);
    },
    get(coll, id) {
      return request('GET', '/' + enc(coll) + '/' + enc(idOf(id)));
    },
    /** Inserts one document (returns it) or an array (returns {items, count}). */
    insert(coll, doc) {
      return request('POST', '/' + enc(coll), doc);
    },
    /** Applies update operators ({$set: ...}); {upsert: true} creates the document when missing. */
    update(coll, id, ops, { upsert = false } = {}) {
      return request('PATCH', '/' + enc(coll) + '/' + enc(idOf(id)) + (upsert ? '?upsert=true' : ''), ops);
    },
    replace(coll, id, doc) {
      return request('PUT', '/' + enc(coll) + '/' + enc(idOf(id)), doc);
    },
    delete(coll, id) {
      return request('DELETE', '/' + enc(coll) + '/' + enc(idOf(id)));
    },
    /** Text search over the collection's text-indexed fields on every store: {items, mode: 'text' | 'scan'}. */
    search(coll, q, opts = {}) {
      const p = new URLSearchParams({ q: String(q) });
      if (opts.limit) p.set('limit', String(opts.limit));
      return request('GET', '/_search/' + enc(coll) + '?' + p.toString());
    },
    /** Runs a named query of the manifest with parameters; returns its rows. */
    async query(name, params = {}) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
      const s = q.toString();
      const r = await request('GET', '/_queries/' + enc(name) + (s ? '?' + s : ''));
      return Array.isArray(r) ? r : (r && r.items) || [];
    },
    /**
     * Live changes of a collection: spec {collection, filter?, fields?, owner?}; handler(event) gets
     * {type: 'insert'|'update'|'delete', doc?, id?} and {type: 'reset'} when changes were missed (reload then).
     * All subscriptions of this client share one connection, which reconnects and resumes by itself.
     * Options: onError(LabsError) when the engine refuses (then the subscription stops), onReady().
     */
    subscribe(spec, handler, opts = {}) {
      return stream.add(typeof spec === 'string' ? { collection: spec } : spec, handler, opts);
    },
  };

  const stream = realtime(api, () => token, doFetch);
  return labs;
}

/** The one shared realtime connection of a client: (re)opened with every current subscription. */
function realtime(api, getToken, doFetch) {
  const subs = new Map();
  let counter = 0;
  let lastId = null;
  let abort = null;
  let attempt = 0;
  let pending = null;
  let timer = null;

  function schedule(delay) {
    if (pending || timer) return;
    if (delay) {
      timer = setTimeout(() => { timer = null; schedule(0); }, delay);
      return;
    }
    // one reopen per tick, however many subscribe/close calls happened in it
    pending = Promise.resolve().then(() => { pending = null; open(); });
  }

  function fail(err) {
    for (const s of subs.values()) if (s.opts.onError) s.opts.onError(err);
    subs.clear();
  }

  async function open() {
    if (abort) abort.abort();
    abort = null;
    if (!subs.size) return;
    const controller = new AbortController();
    abort = controller;
    const list = [...subs.entries()].map(([id, s]) => ({ id, ...s.spec }));
    const headers = { Accept: 'text/event-stream' };
    const t = getToken();
    if (t) headers.Authorization = 'Bearer ' + t;
    if (lastId) headers['Last-Event-ID'] = lastId;
    let retry = true;
    try {
      const res = await doFetch(api + '/_realtime?subscribe=' + encodeURIComponent(JSON.stringify(list)),
        { headers, credentials: 'same-origin', signal: controller.signal });
      if (!res.ok) {
        let p = null;
        try { p = await res.json(); } catch (e) { p = null; }
        const err = new LabsError(res.status, p);
        if (!retryable(res.status)) { retry = false; fail(err); }
        return;
      }
      const feed = sseParser();
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const ev of feed(dec.decode(value, { stream: true }))) {
          if (ev.id) lastId = ev.id;
          if (!handle(ev)) { retry = false; return; }
        }
      }
    } catch (e) {
      if (controller.signal.aborted) retry = false;
    } finally {
      if (abort === controller) abort = null;
      if (retry && subs.size && !controller.signal.aborted) schedule(backoff(attempt++));
    }
  }

  /** Routes one event; false when the stream must not be reopened. */
  function handle(ev) {
    let data = null;
    try { data = JSON.parse(ev.data); } catch (e) { return true; }
    switch (ev.event) {
      case 'ready':
        attempt = 0;
        for (const s of subs.values()) if (s.opts.onReady) s.opts.onReady();
        return true;
      case 'insert': case 'update': case 'delete': {
        const s = subs.get(data.sub);
        if (s) s.handler({ type: ev.event, collection: data.collection, doc: data.doc, id: data.doc ? idOf(data.doc) : idOf(data.id) });
        return true;
      }
      case 'reset':
        // one subscription's collection changed outside the data API, or (no sub) the stream missed changes
        for (const [id, s] of subs) if (!data.sub || data.sub === id) s.handler({ type: 'reset' });
        return true;
      case 'end':
        if (!retryable(data.status)) { fail(new LabsError(data.status, { title: data.reason, detail: data.detail })); return false; }
        return true;
      default:
        return true;
    }
  }

  return {
    add(spec, handler, opts) {
      const id = 's' + ++counter;
      subs.set(id, { spec, handler, opts });
      schedule(0);
      return {
        close() {
          if (subs.delete(id)) schedule(0);
        },
      };
    },
  };
}

/** The client of the page's experiment (null outside an experiment page, e.g. in Node). */
export const labs = typeof location !== 'undefined' && slugFromPath(location.pathname) ? createLabs() : null;
export default labs;
