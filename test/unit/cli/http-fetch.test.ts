/**
 * The CLI's node:http fetch (src/cli/client/http-fetch.ts) against a real HTTP
 * server: what the CLI and the SDK transports rely on behaves as fetch does.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { headerRecord, httpFetch } from '../../../src/cli/client/http-fetch.js';
import { networkReason } from '../../../src/protocol/network-reason.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function serve(routes: Record<string, Route>): Promise<{ server: Server; origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const route = routes[req.url!.split('?')[0]!];
      if (route) route(req, res, body);
      else res.writeHead(404).end('none');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

describe('CLI http fetch', () => {
  let a: Awaited<ReturnType<typeof serve>>;
  let b: Awaited<ReturnType<typeof serve>>;
  /** Lets the streaming route write its next event when the test says so. */
  let next: (() => void) | undefined;
  /** Set when the held route's client went away. */
  let heldClosed: Promise<void> | undefined;

  before(async () => {
    b = await serve({ '/landing': (_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('landed') });
    a = await serve({
      '/text': (_q, res) => res.writeHead(201, 'Made', { 'content-type': 'text/plain', 'x-multi': ['one', 'two'] }).end('hello'),
      '/json': (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":[1,2]}'),
      '/echo': (_q, res, body) => res.writeHead(200).end(body),
      '/found': (_q, res) => res.writeHead(302, { location: '/echo' }).end(),
      '/temporary': (_q, res) => res.writeHead(307, { location: '/echo' }).end(),
      '/elsewhere': (_q, res) => res.writeHead(302, { location: `${b.origin}/landing` }).end(),
      '/loop': (_q, res) => res.writeHead(302, { location: '/loop' }).end(),
      '/held': (req, res) => {
        heldClosed = once(res, 'close').then(() => undefined);
        void req;
      },
      '/stream': (_q, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        next = () => res.end('data: two\n\n');
      },
    });
  });

  after(() => {
    a.server.closeAllConnections();
    b.server.closeAllConnections();
    a.server.close();
    b.server.close();
  });

  it('reads status, status text, headers and a text body', async () => {
    const res = await httpFetch(`${a.origin}/text`);
    assert.equal(res.status, 201);
    assert.equal(res.statusText, 'Made');
    assert.equal(res.ok, true);
    assert.equal(res.url, `${a.origin}/text`);
    assert.equal(res.redirected, false);
    assert.equal(res.headers.get('Content-Type'), 'text/plain');
    assert.equal(res.headers.get('x-multi'), 'one, two');
    assert.equal(res.headers.get('absent'), null);
    assert.equal(res.headers.has('X-MULTI'), true);
    const names: string[] = [];
    res.headers.forEach((_v, name) => names.push(name));
    assert.ok(names.includes('content-type') && names.includes('x-multi'));
    assert.deepEqual(
      [...res.headers].find(([n]) => n === 'x-multi'),
      ['x-multi', 'one, two'],
    );
    assert.equal(await res.text(), 'hello');
    assert.equal(res.bodyUsed, true);
    await assert.rejects(res.text(), TypeError);
  });

  it('parses JSON and answers 404 as a response, not an error', async () => {
    assert.deepEqual(await (await httpFetch(new URL(`${a.origin}/json`))).json(), { a: [1, 2] });
    const missing = await httpFetch(`${a.origin}/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(missing.ok, false);
    assert.equal(await missing.text(), 'none');
  });

  it('sends headers given as a record, pairs or a Headers-like, and the body with its length', async () => {
    const headersLike = { forEach: (cb: (value: string, name: string) => void) => cb('from-foreach', 'X-Three') };
    for (const headers of [{ 'X-One': 'a', 'content-type': 'application/json' }, [['X-One', 'a'], ['Content-Type', 'application/json']], headersLike]) {
      const res = await httpFetch(`${a.origin}/echo`, { method: 'post', headers: headers as never, body: '{"hi":1}' });
      assert.equal(await res.text(), '{"hi":1}');
    }
    const [first, second, third] = a.seen.slice(-3);
    assert.equal(first!.method, 'POST');
    assert.equal(first!.headers['x-one'], 'a');
    assert.equal(first!.headers['content-type'], 'application/json');
    assert.equal(first!.headers['content-length'], '8');
    assert.equal(second!.headers['x-one'], 'a');
    assert.equal(third!.headers['x-three'], 'from-foreach');
    assert.equal(third!.headers['content-type'], 'text/plain;charset=UTF-8', 'a string body without a type is text, as fetch sends it');
  });

  it('sends URLSearchParams as a form and bytes as they are', async () => {
    await (await httpFetch(`${a.origin}/echo`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'a b' }) })).text();
    const form = a.seen.at(-1)!;
    assert.equal(form.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.equal(form.body, 'grant_type=client_credentials&scope=a+b');
    const res = await httpFetch(`${a.origin}/echo`, { method: 'PUT', body: new Uint8Array([104, 105]) });
    assert.equal(Buffer.from(await res.arrayBuffer()).toString(), 'hi');
    await (await httpFetch(`${a.origin}/echo`, { method: 'POST' })).text();
    assert.equal(a.seen.at(-1)!.headers['content-length'], '0', 'an empty POST is sized, not chunked');
  });

  it('follows redirects as fetch does: 302 POST becomes GET, 307 keeps method and body', async () => {
    const found = await httpFetch(`${a.origin}/found`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    assert.equal(found.redirected, true);
    assert.equal(found.url, `${a.origin}/echo`);
    assert.equal(await found.text(), '');
    assert.equal(a.seen.at(-1)!.method, 'GET');
    assert.equal(a.seen.at(-1)!.headers['content-type'], undefined);
    const temporary = await httpFetch(`${a.origin}/temporary`, { method: 'POST', body: 'payload' });
    assert.equal(await temporary.text(), 'payload');
    assert.equal(a.seen.at(-1)!.method, 'POST');
  });

  it('drops the Authorization header on a redirect to another origin', async () => {
    const res = await httpFetch(`${a.origin}/elsewhere`, { headers: { authorization: 'Bearer secret' } });
    assert.equal(await res.text(), 'landed');
    assert.equal(a.seen.at(-1)!.headers.authorization, 'Bearer secret');
    assert.equal(b.seen.at(-1)!.headers.authorization, undefined);
  });

  it("answers redirect: 'manual' with the redirect, refuses 'error' and endless loops", async () => {
    const manual = await httpFetch(`${a.origin}/found`, { redirect: 'manual' });
    assert.equal(manual.status, 302);
    assert.equal(manual.headers.get('location'), '/echo');
    await manual.text();
    await assert.rejects(httpFetch(`${a.origin}/found`, { redirect: 'error' }), TypeError);
    await assert.rejects(httpFetch(`${a.origin}/loop`), /redirect count exceeded/);
  });

  it('fails a refused connection as fetch does (TypeError with the socket error as cause)', async () => {
    const closed = await serve({});
    closed.server.close();
    await once(closed.server, 'close');
    const err = await httpFetch(`${closed.origin}/`).then(
      () => assert.fail('a closed port answered'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TypeError);
    assert.equal((err.cause as { code?: string }).code, 'ECONNREFUSED');
    assert.match(networkReason(err), /ECONNREFUSED/);
  });

  it('rejects with the signal\'s reason: aborted before sending, and while waiting for the answer', async () => {
    const early = new AbortController();
    early.abort();
    await assert.rejects(httpFetch(`${a.origin}/text`, { signal: early.signal }), { name: 'AbortError' });
    const waiting = httpFetch(`${a.origin}/held`, { signal: AbortSignal.timeout(50) });
    await assert.rejects(waiting, { name: 'TimeoutError' });
    await heldClosed;
  });

  it('streams the body as a web stream, each event as it is written', async () => {
    const res = await httpFetch(`${a.origin}/stream`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.equal(first.value, 'data: one\n\n');
    // The second event is written only now: the first arrived without waiting for the end.
    next!();
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
    }
    assert.equal(rest, 'data: two\n\n');
  });

  it('refuses what it does not implement instead of sending something else', async () => {
    await assert.rejects(httpFetch({ url: `${a.origin}/text` } as never), TypeError);
    await assert.rejects(httpFetch(`${a.origin}/echo`, { method: 'POST', body: { not: 'a body' } as never }), TypeError);
    await assert.rejects(httpFetch('ftp://127.0.0.1/'), TypeError);
  });

  it('headerRecord: any header set, whatever its form, as one record with lower-case names', () => {
    // Prototype names included: fast-check found `constructor` joined onto Object's own constructor.
    const token = fc.oneof(fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/), fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'Constructor'));
    const asPlain = (record: Record<string, string>) => Object.fromEntries(Object.entries(record));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(token, fc.string({ maxLength: 30 })), { selector: ([name]) => name.toLowerCase() }), (pairs) => {
        const expected = Object.fromEntries(pairs.map(([n, v]) => [n.toLowerCase(), v]));
        assert.deepEqual(asPlain(headerRecord(pairs)), expected);
        assert.deepEqual(asPlain(headerRecord(Object.fromEntries(pairs))), expected);
        assert.deepEqual(asPlain(headerRecord({ forEach: (cb: (v: string, n: string) => void) => pairs.forEach(([n, v]) => cb(v, n)) })), expected);
      }),
      { numRuns: 500 },
    );
  });
});
