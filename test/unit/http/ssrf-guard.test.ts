import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import type dns from 'node:dns';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSsrfGuard } from '../../../src/http/outbound/ssrf-guard.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createTracing } from '../../../src/observability/tracing.js';
import { requestContext } from '../../../src/observability/request-context.js';
import type { SsrfGuard } from '../../../src/http/index.js';

const PUBLIC_V4 = '93.184.216.34';
const PUBLIC_V6 = '2606:2800:220:1:248:1893:25c8:1946';

/** A fake resolver: name → addresses; unknown names fail like dns.lookup does. */
function fakeLookup(table: Record<string, string[]> | ((host: string, call: number) => string[])): typeof dns.lookup {
  let calls = 0;
  const lookup = (host: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[] | string, family?: number) => void): void => {
    calls++;
    const addrs = typeof table === 'function' ? table(host, calls) : table[host];
    if (addrs === undefined || addrs.length === 0) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    const all = addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if ((options as { all?: boolean }).all === true) callback(null, all);
    else callback(null, all[0]?.address ?? '', all[0]?.family);
  };
  return lookup as unknown as typeof dns.lookup;
}

async function refused(promise: Promise<unknown>, rule: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: { code?: string; message?: string; details?: Record<string, string> }) => {
    assert.equal(err.code, 'AM_ERR_SSRF_BLOCKED', err.message);
    assert.equal(err.details?.rule, rule, err.message);
    if (pattern !== undefined) assert.match(err.message ?? '', pattern);
    return true;
  });
}

async function localServer(handler: RequestListener): Promise<{ server: Server; port: number; origin: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { server, port, origin: `http://127.0.0.1:${port}` };
}

describe('SsrfGuard.check', () => {
  const guard = createSsrfGuard({ allowHttp: true });

  const blockedLiterals: Array<[string, RegExp]> = [
    ['127.0.0.1', /loopback/],
    ['127.8.9.10', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.254', /private/],
    ['192.168.1.1', /private/],
    ['169.254.10.20', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.254', /carrier-grade NAT/],
    ['0.0.0.0', /unspecified/],
    ['224.0.0.251', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['[::1]', /loopback/],
    ['[::]', /unspecified/],
    ['[fc00::1]', /unique-local/],
    ['[fd12:3456::1]', /unique-local/],
    ['[fe80::1]', /link-local/],
    ['[ff02::1]', /multicast/],
    ['[::ffff:127.0.0.1]', /loopback/],
    ['[::ffff:10.0.0.1]', /private/],
    ['[::ffff:192.168.0.1]', /private/],
    ['[64:ff9b::a00:1]', /private/], // NAT64 of 10.0.0.1
    ['[2002:a00:1::1]', /private/], // 6to4 of 10.0.0.1
  ];
  for (const [host, range] of blockedLiterals) {
    test(`refuses ${host}`, async () => {
      await refused(guard.check(`http://${host}/hook`), 'address', range);
    });
  }

  for (const host of ['169.254.169.254', '[::ffff:169.254.169.254]', '[fd00:ec2::254]', '100.100.100.200']) {
    test(`refuses the metadata address ${host}`, async () => {
      await refused(guard.check(`http://${host}/latest/meta-data/`), 'metadata', /cloud metadata/);
    });
  }

  test('refuses cloud metadata host names without resolving them', async () => {
    const g = createSsrfGuard({ allowHttp: true, lookup: fakeLookup({}) });
    for (const host of ['metadata.google.internal', 'METADATA.GOOGLE.INTERNAL.', 'metadata', 'instance-data.ec2.internal']) {
      await refused(g.check(`http://${host}/computeMetadata/v1/`), 'metadata', /cloud metadata endpoint/);
    }
  });

  test('refuses a name when ANY of its addresses is private, without revealing it', async () => {
    const g = createSsrfGuard({ lookup: fakeLookup({ 'mixed.example': [PUBLIC_V4, '10.0.0.7'], 'v6.example': [PUBLIC_V6, 'fe80::1'] }) });
    await refused(g.check('https://mixed.example/hook'), 'address', /^Outbound request to https:\/\/mixed\.example refused: host mixed\.example resolves to a private address$/);
    await refused(g.check('https://v6.example/hook'), 'address', /link-local/);
  });

  test('accepts a public name and reports all its addresses', async () => {
    const g = createSsrfGuard({ lookup: fakeLookup({ 'agent.example': [PUBLIC_V4, PUBLIC_V6] }) });
    const { url, addresses } = await g.check('https://agent.example/.well-known/agent-card.json');
    assert.equal(url.href, 'https://agent.example/.well-known/agent-card.json');
    assert.deepEqual(addresses, [PUBLIC_V4, PUBLIC_V6]);
  });

  test('accepts public IP literals', async () => {
    assert.deepEqual((await guard.check(`https://${PUBLIC_V4}/`)).addresses, [PUBLIC_V4]);
    assert.deepEqual((await guard.check(`https://[${PUBLIC_V6}]/`)).addresses, [PUBLIC_V6]);
  });

  test('refuses plain http unless allowed or allow-listed', async () => {
    const strict = createSsrfGuard({ allowHosts: ['hooks.example:8080'], lookup: fakeLookup({ 'hooks.example': [PUBLIC_V4] }) });
    await refused(strict.check('http://hooks.example/hook'), 'http', /plain http is not allowed/);
    assert.equal((await strict.check('http://hooks.example:8080/hook')).url.port, '8080');
    const dev = createSsrfGuard({ allowHttp: true, lookup: fakeLookup({ 'hooks.example': [PUBLIC_V4] }) });
    assert.deepEqual((await dev.check('http://hooks.example/hook')).addresses, [PUBLIC_V4]);
  });

  test('refuses schemes other than http and https', async () => {
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'gopher://example.com/', 'data:text/plain,hi']) {
      await refused(guard.check(url), 'scheme');
    }
  });

  test('refuses credentials in the URL', async () => {
    await refused(guard.check(`https://user:pass@${PUBLIC_V4}/`), 'credentials', /must not carry credentials/);
    await refused(guard.check(`https://token@${PUBLIC_V4}/`), 'credentials');
  });

  test('refuses what is not an absolute URL', async () => {
    await refused(guard.check('/relative/path'), 'invalid_url');
  });

  test('lets allow-listed hosts through, by exact name, port and wildcard', async () => {
    const g = createSsrfGuard({
      allowHosts: ['127.0.0.1:9000', '*.corp.internal', '[::1]'],
      lookup: fakeLookup({ 'a.corp.internal': ['10.0.0.5'], 'b.a.corp.internal': ['10.0.0.6'], 'corp.internal': ['10.0.0.7'] }),
    });
    assert.deepEqual((await g.check('http://127.0.0.1:9000/')).addresses, ['127.0.0.1']);
    await refused(g.check('http://127.0.0.1:9001/'), 'http');
    await refused(g.check('https://127.0.0.1:9001/'), 'address', /loopback/);
    assert.deepEqual((await g.check('http://a.corp.internal/')).addresses, ['10.0.0.5']);
    assert.deepEqual((await g.check('https://B.A.corp.internal./')).addresses, ['10.0.0.6']);
    await refused(g.check('https://corp.internal/'), 'address', /private/);
    assert.deepEqual((await g.check('http://[::1]:1234/')).addresses, ['::1']);
  });

  test('allowPrivate opens private ranges but never metadata', async () => {
    const g = createSsrfGuard({ allowHttp: true, allowPrivate: true, lookup: fakeLookup({ 'db.local': ['192.168.1.20'] }) });
    assert.deepEqual((await g.check('http://10.0.0.1/')).addresses, ['10.0.0.1']);
    assert.deepEqual((await g.check('http://db.local/')).addresses, ['192.168.1.20']);
    await refused(g.check('http://169.254.169.254/'), 'metadata');
    await refused(g.check('http://metadata.google.internal/'), 'metadata');
  });

  test('reports a name that does not resolve as an upstream failure', async () => {
    const g = createSsrfGuard({ lookup: fakeLookup({}) });
    await assert.rejects(g.check('https://nowhere.example/'), { code: 'AM_ERR_HTTP_UPSTREAM_FAILED', message: 'Request to https://nowhere.example failed: host nowhere.example does not resolve' });
  });

  test('rejects a malformed allow-list entry when built', () => {
    assert.throws(() => createSsrfGuard({ allowHosts: ['bad host/path'] }), /"allowHosts" entry/);
    assert.throws(() => createSsrfGuard({ allowHosts: ['example.com:port'] }), /invalid port/);
  });
});

describe('SsrfGuard.fetch', () => {
  /** A local server allow-listed by host:port, closed with the guard after the test. */
  async function setup(t: { after: (fn: () => unknown) => void }, handler: RequestListener, extra: { allowHosts?: string[] } = {}): Promise<{ guard: SsrfGuard; origin: string; hits: string[] }> {
    const hits: string[] = [];
    const { server, port, origin } = await localServer((req, res) => {
      hits.push(req.url ?? '');
      handler(req, res);
    });
    const guard = createSsrfGuard({ allowHosts: [`127.0.0.1:${port}`, ...(extra.allowHosts ?? [])] });
    t.after(async () => {
      await guard.close();
      server.closeAllConnections();
      server.close();
    });
    return { guard, origin, hits };
  }

  test('fetches from an allow-listed host and returns the whole body', async (t) => {
    const seen: IncomingHttpHeaders[] = [];
    const { guard, origin } = await setup(t, (req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end('{"ok":true}');
    });
    const res = await guard.fetch(`${origin}/card`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: '{}' });
    assert.equal(res.status, 200);
    assert.equal(res.url, `${origin}/card`);
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(seen[0]?.authorization, 'Bearer t');
  });

  test('refuses a response over the size cap, declared or streamed', async (t) => {
    const { guard, origin } = await setup(t, (req, res) => {
      if (req.url === '/declared') res.writeHead(200, { 'content-length': '4096' }).end('x'.repeat(4096));
      else {
        res.writeHead(200); // chunked: no length to check up front
        res.write('x'.repeat(800));
        res.end('x'.repeat(800));
      }
    });
    for (const path of ['/declared', '/chunked']) {
      await assert.rejects(guard.fetch(`${origin}${path}`, { maxBytes: 1024 }), (err: { code?: string; message?: string }) => {
        assert.equal(err.code, 'AM_ERR_HTTP_UPSTREAM_TOO_LARGE');
        assert.equal(err.message, `Response from ${origin} is larger than the 1024-byte limit`);
        return true;
      });
    }
    assert.equal((await (await guard.fetch(`${origin}/chunked`, { maxBytes: 1600 })).text()).length, 1600, 'exactly the cap is fine');
  });

  test('gives up after the timeout', async (t) => {
    const { guard, origin } = await setup(t, () => {
      /* never answers */
    });
    await assert.rejects(guard.fetch(`${origin}/hang`, { timeoutMs: 50 }), {
      code: 'AM_ERR_HTTP_TIMEOUT',
      message: `Request to ${origin} timed out after 50 ms`,
    });
  });

  test('gives up after the timeout when the resolver does not answer, as when the receiver does not', { timeout: 10_000 }, async () => {
    // A resolver that never calls back: what a host without reachable DNS does for seconds.
    const silent = (() => undefined) as unknown as typeof dns.lookup;
    const guard = createSsrfGuard({ lookup: silent });
    try {
      await assert.rejects(guard.fetch('https://receiver.example/hook', { method: 'POST', timeoutMs: 50 }), {
        code: 'AM_ERR_HTTP_TIMEOUT',
        message: 'Request to https://receiver.example timed out after 50 ms',
      });
      const caller = new AbortController();
      const pending = guard.fetch('https://receiver.example/hook', { signal: caller.signal, timeoutMs: 60_000 });
      caller.abort(new Error('the caller went away'));
      await assert.rejects(pending, /the caller went away/);
    } finally {
      await guard.close();
    }
  });

  test('refuses a redirect to a private or metadata address, without following it', async (t) => {
    const { guard, origin, hits } = await setup(t, (req, res) => {
      const to = req.url === '/to-private' ? 'https://10.0.0.1/admin' : 'https://169.254.169.254/latest/meta-data/';
      res.writeHead(302, { location: to }).end();
    });
    await refused(guard.fetch(`${origin}/to-private`), 'address', /10\.0\.0\.1 is private/);
    await refused(guard.fetch(`${origin}/to-metadata`), 'metadata');
    assert.deepEqual(hits, ['/to-private', '/to-metadata']);
  });

  test('follows redirects hop by hop, at most maxRedirects', async (t) => {
    const { guard, origin } = await setup(t, (req, res) => {
      const n = Number((req.url ?? '').slice('/hop/'.length));
      if (n > 0) res.writeHead(307, { location: `/hop/${n - 1}` }).end();
      else res.writeHead(200).end('arrived');
    });
    const res = await guard.fetch(`${origin}/hop/3`);
    assert.equal(await res.text(), 'arrived');
    assert.equal(res.url, `${origin}/hop/0`);
    const manual = await guard.fetch(`${origin}/hop/1`, { maxRedirects: 0 });
    assert.equal(manual.status, 307, 'maxRedirects 0 returns the redirect itself');
    assert.equal(manual.headers.get('location'), '/hop/0');
    await assert.rejects(guard.fetch(`${origin}/hop/4`), {
      code: 'AM_ERR_HTTP_UPSTREAM_FAILED',
      message: `Request to ${origin} was redirected more than 3 times`,
    });
  });

  test('turns a POST into a GET on 303 and drops credentials across origins', async (t) => {
    const other = await localServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, authorization: req.headers.authorization ?? null }));
    });
    t.after(() => other.server.close());
    const { guard, origin } = await setup(t, (_req, res) => res.writeHead(303, { location: `${other.origin}/done` }).end(), {
      allowHosts: [`127.0.0.1:${other.port}`],
    });
    const res = await guard.fetch(`${origin}/start`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{}' });
    assert.deepEqual(await res.json(), { method: 'GET', authorization: null });
  });

  test('propagates the trace of the current request when given tracing', async (t) => {
    const seen: IncomingHttpHeaders[] = [];
    const { server, port, origin } = await localServer((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    const tracing = createTracing({ serviceName: 't', logger: createLogger({ level: 'silent' }) });
    const guard = createSsrfGuard({ allowHosts: [`127.0.0.1:${port}`], tracing });
    t.after(async () => {
      await guard.close();
      server.close();
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const span = tracing.startRequestSpan({ method: 'POST', url: '/', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await requestContext.run({ reqId: 'r', traceId, otelContext: span.context }, () => guard.fetch(`${origin}/hook`, { method: 'POST', body: '{}' }));
    assert.match(String(seen[0]?.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  test('re-checks the address at connect time (DNS rebinding)', async (t) => {
    const { server, port } = await localServer((_req, res) => res.end('should never be reached'));
    let served = 0;
    server.on('request', () => served++);
    // First answer (the check) is public, every later one (the connection) is loopback.
    const guard = createSsrfGuard({ allowHttp: true, lookup: fakeLookup((_host, call) => (call === 1 ? [PUBLIC_V4] : ['127.0.0.1'])) });
    t.after(async () => {
      await guard.close();
      server.close();
    });
    await refused(guard.fetch(`http://rebind.example:${port}/`), 'address', /resolved at connect time to a loopback address/);
    assert.equal(served, 0);
  });

  test('refuses before connecting when the first check fails', async (t) => {
    const { guard, hits } = await setup(t, (_req, res) => res.end());
    await refused(guard.fetch('http://127.0.0.1:1/'), 'http');
    await refused(guard.fetch('https://[::ffff:127.0.0.1]/'), 'address');
    assert.deepEqual(hits, []);
  });
});
