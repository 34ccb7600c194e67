// Unit tests of labs.js's pure parts and of the client against a fake fetch (node --test src/test/js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LabsError, backoff, createLabs, idOf, listQuery, problemMessage, retryable, slugFromPath, sseParser, toDate, toNumber,
} from '../../main/resources/labs-client/labs.js';

test('slug comes from the page path, percent-decoded', () => {
  assert.equal(slugFromPath('/experiments/click_tracker/'), 'click_tracker');
  assert.equal(slugFromPath('/experiments/my%2Dcopy/static/index.html'), 'my-copy');
  assert.equal(slugFromPath('/admin/'), null);
  assert.equal(slugFromPath(''), null);
});

test('ids and values from relaxed Extended JSON', () => {
  assert.equal(idOf({ _id: { $oid: 'abc' } }), 'abc');
  assert.equal(idOf({ _id: 'plain' }), 'plain');
  assert.equal(idOf({ $oid: 'x' }), 'x');
  assert.equal(idOf('s'), 's');
  assert.equal(idOf(null), null);
  assert.equal(toNumber({ $numberLong: '5' }), 5);
  assert.equal(toNumber(7), 7);
  assert.equal(toNumber('nope'), 0);
  assert.equal(toDate({ $date: '2024-01-02T03:04:05Z' }).toISOString(), '2024-01-02T03:04:05.000Z');
  assert.equal(toDate({ $date: { $numberLong: '0' } }).getTime(), 0);
  assert.equal(toDate('garbage'), null);
});

test('list options become the list API query string', () => {
  assert.equal(listQuery({}), '');
  const q = new URLSearchParams(listQuery({ filter: { a: { $gt: 1 } }, sort: ['-n', 'a'], fields: 'a,b', limit: 5, after: 'c1', count: true }).slice(1));
  assert.equal(q.get('filter'), '{"a":{"$gt":1}}');
  assert.equal(q.get('sort'), '-n,a');
  assert.equal(q.get('fields'), 'a,b');
  assert.equal(q.get('limit'), '5');
  assert.equal(q.get('after'), 'c1');
  assert.equal(q.get('count'), 'true');
});

test('problem details become one error type with a readable message', () => {
  const e = new LabsError(400, { title: 'Validation failed', detail: 'Invalid filter', errors: [{ path: 'filter.$where', message: 'not allowed' }] });
  assert.ok(e instanceof Error);
  assert.equal(e.status, 400);
  assert.equal(e.errors[0].path, 'filter.$where');
  assert.equal(e.message, 'Invalid filter: filter.$where not allowed');
  assert.equal(new LabsError(502, null).message, 'HTTP 502');
  assert.equal(problemMessage({ title: 'T' }, 1), 'T');
});

test('the SSE parser handles events split anywhere, CRLF, comments and multi-line data', () => {
  const feed = sseParser();
  const text = ': hi\r\nid: 7\r\nevent: insert\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: heartbeat\ndata: {}\n\n';
  const out = [];
  for (const ch of text) out.push(...feed(ch));
  assert.deepEqual(out, [
    { id: '7', event: 'insert', data: '{"a":\n1}' },
    { id: null, event: 'heartbeat', data: '{}' },
  ]);
  assert.deepEqual(feed('data: x'), [], 'an unfinished event waits for its blank line');
  assert.deepEqual(feed('\n\n'), [{ id: null, event: 'message', data: 'x' }]);
});

test('reconnect backoff doubles up to 30 s; access problems are final', () => {
  assert.equal(backoff(0, () => 0), 500);
  assert.equal(backoff(3, () => 0), 4000);
  assert.equal(backoff(20, () => 0), 30000);
  assert.equal(backoff(1, () => 1), 750);
  assert.equal(retryable(503), true);
  assert.equal(retryable(403), false);
  assert.equal(retryable(401), false);
});

function fakeFetch(routes) {
  const calls = [];
  const f = async (url, init = {}) => {
    calls.push({ url, init });
    const r = routes(url, init);
    return {
      ok: r.status < 400,
      status: r.status,
      text: async () => (r.body === undefined ? '' : JSON.stringify(r.body)),
      json: async () => r.body,
    };
  };
  f.calls = calls;
  return f;
}

test('iterate walks keyset pages until next is null', async () => {
  const f = fakeFetch((url) => {
    const after = new URL(url, 'http://x').searchParams.get('after');
    if (!after) return { status: 200, body: { items: [{ n: 1 }, { n: 2 }], next: 'c2' } };
    if (after === 'c2') return { status: 200, body: { items: [{ n: 3 }], next: null } };
    return { status: 500, body: {} };
  });
  const labs = createLabs({ slug: 'exp', fetch: f });
  const seen = [];
  for await (const d of labs.iterate('items', { limit: 2 })) seen.push(d.n);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.match(f.calls[0].url, /^\/experiments\/exp\/api\/items\?limit=2$/);
  await labs.list('clicks', { owner: 'other', limit: 1 });
  assert.equal(f.calls.at(-1).url, '/experiments/exp/api/_shared/other/clicks?limit=1');
});

test('writes use the right methods and surface problems as LabsError', async () => {
  const f = fakeFetch((url, init) => (init.method === 'PATCH'
    ? { status: 409, body: { title: 'Conflict', detail: 'changed' } }
    : { status: init.method === 'DELETE' ? 204 : 201, body: init.method === 'DELETE' ? undefined : { _id: { $oid: 'a1' } } }));
  const labs = createLabs({ slug: 'exp', fetch: f, token: 'tok' });
  const d = await labs.insert('items', { a: 1 });
  assert.equal(idOf(d), 'a1');
  assert.equal(f.calls[0].init.headers.Authorization, 'Bearer tok');
  assert.equal(f.calls[0].init.body, '{"a":1}');
  await assert.rejects(labs.update('items', d, { $set: { a: 2 } }), (e) => e instanceof LabsError && e.status === 409 && e.detail === 'changed');
  assert.equal(f.calls[1].url, '/experiments/exp/api/items/a1');
  assert.equal(await labs.delete('items', 'a1'), null);
  assert.equal(f.calls[2].init.method, 'DELETE');
});

test('named queries pass parameters and return rows', async () => {
  const f = fakeFetch(() => ({ status: 200, body: { items: [{ _id: 'red', count: 2 }] } }));
  const labs = createLabs({ slug: 'exp', fetch: f });
  const rows = await labs.query('by_button', { button: 'red', skip: undefined });
  assert.equal(rows[0].count, 2);
  assert.equal(f.calls[0].url, '/experiments/exp/api/_queries/by_button?button=red');
});

test('a refused subscription reports a LabsError once and does not retry', async () => {
  const f = fakeFetch(() => ({ status: 403, body: { title: 'Forbidden', detail: 'no' } }));
  const labs = createLabs({ slug: 'exp', fetch: f });
  const err = await new Promise((resolve) => labs.subscribe('secret', () => {}, { onError: resolve }));
  assert.equal(err.status, 403);
  assert.equal(f.calls.length, 1);
  assert.match(decodeURIComponent(f.calls[0].url), /_realtime\?subscribe=\[\{"id":"s1","collection":"secret"\}\]/);
});

test('a reset of one subscription reaches only its handler; a reset of the whole stream reaches every one', async () => {
  const text = 'event: ready\ndata: {"subscriptions":["s1","s2"],"resumed":false}\n\n'
    + 'id: 5\nevent: reset\ndata: {"sub":"s2","collection":"b","reason":"changed outside the data API"}\n\n'
    + 'id: 6\nevent: reset\ndata: {"reason":"outside the retention window"}\n\n'
    + 'event: end\ndata: {"reason":"forbidden","status":403,"detail":"x"}\n\n';
  let calls = 0;
  const f = async () => { calls++; return { ok: true, status: 200, body: new Response(text).body }; };
  const labs = createLabs({ slug: 'exp', fetch: f });
  const seen = [];
  const ended = [];
  await new Promise((resolve) => {
    const onError = (e) => { ended.push(e.status); if (ended.length === 2) resolve(); };
    labs.subscribe('a', (ev) => seen.push('a:' + ev.type), { onError });
    labs.subscribe('b', (ev) => seen.push('b:' + ev.type), { onError });
  });
  assert.deepEqual(seen, ['b:reset', 'a:reset', 'b:reset']);
  assert.deepEqual(ended, [403, 403]);
  assert.equal(calls, 1, 'one connection for both subscriptions');
});
