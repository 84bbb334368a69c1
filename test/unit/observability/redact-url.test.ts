import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pino } from 'pino';
import { buildHttpServer } from '../../../src/http/server/build-http-server.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { isCredentialParam, redactUrl, serializeRequest } from '../../../src/observability/redact-url.js';
import { memoryDestination } from '../../helpers/memory-log.js';


describe('redactUrl', () => {
  test('replaces the value of each credential parameter and keeps everything else byte for byte', () => {
    assert.equal(redactUrl('/agents/a/tasks'), '/agents/a/tasks');
    assert.equal(redactUrl('/agents/a/tasks?pageSize=5&status=x%20y'), '/agents/a/tasks?pageSize=5&status=x%20y');
    assert.equal(redactUrl('/t?access_token=eyJ.a.b&pageSize=5'), '/t?access_token=[redacted]&pageSize=5');
    assert.equal(redactUrl('/t?pageSize=5&API_KEY=k&Client_Secret=s&code=c&refresh_token=r'), '/t?pageSize=5&API_KEY=[redacted]&Client_Secret=[redacted]&code=[redacted]&refresh_token=[redacted]');
    assert.equal(redactUrl('/t?access%5Ftoken=x&token'), '/t?access%5Ftoken=[redacted]&token=[redacted]');
    assert.equal(redactUrl('https://h.example/hook?x-amz-security-token=a&X-Amz-Signature=b&sig=c&webhook_secret=d#frag'), 'https://h.example/hook?x-amz-security-token=[redacted]&X-Amz-Signature=[redacted]&sig=[redacted]&webhook_secret=[redacted]#frag');
    assert.equal(redactUrl('/t?=&&a=1'), '/t?=&&a=1');
  });

  test('names: the listed ones and anything ending in token, secret or password', () => {
    for (const name of ['access_token', 'id_token', 'api_key', 'apikey', 'key', 'client_assertion', 'assertion', 'password', 'jwt', 'myToken', 'db_password']) assert.ok(isCredentialParam(name), name);
    for (const name of ['pageSize', 'tenant', 'historyLength', 'status', 'keys', 'codec']) assert.ok(!isCredentialParam(name), name);
  });

  test('never lets the value of a credential parameter through (property)', () => {
    const name = fc.constantFrom('access_token', 'token', 'api_key', 'client_secret', 'code', 'Access_Token', 'refresh_token');
    const value = fc.stringMatching(/^[A-Za-z0-9._~-]{12,40}$/);
    const other = fc.array(fc.tuple(fc.constantFrom('pageSize', 'status', 'tenant', 'q'), fc.stringMatching(/^[a-z0-9]{0,8}$/)), { maxLength: 4 });
    fc.assert(
      fc.property(name, value, other, other, (n, v, before, after) => {
        const query = [...before.map(([k, x]) => `${k}=${x}`), `${n}=${v}`, ...after.map(([k, x]) => `${k}=${x}`)].join('&');
        const out = redactUrl(`/agents/x/tasks?${query}`);
        return !out.includes(v) && out.includes(`${n}=[redacted]`);
      }),
    );
  });

  test('serializeRequest gives Fastify\'s fields with the URL redacted', () => {
    assert.deepEqual(serializeRequest({ method: 'GET', url: '/a?token=t', host: 'h', ip: '127.0.0.1', socket: { remotePort: 5 }, headers: { authorization: 'Bearer x' } }), {
      method: 'GET',
      url: '/a?token=[redacted]',
      host: 'h',
      remoteAddress: '127.0.0.1',
      remotePort: 5,
    });
  });
});

describe('logged URLs', () => {
  test('createLogger redacts credentials in any logged `url` and `req`', () => {
    const { stream: destination, lines } = memoryDestination();
    const logger = createLogger({ destination });
    logger.info({ url: 'https://hook.example/in?token=SECRET1' }, 'webhook');
    logger.info({ req: { method: 'GET', url: '/x?access_token=SECRET2', headers: { authorization: 'Bearer SECRET5', accept: '*/*' } } }, 'incoming request');
    const text = lines.join('');
    assert.doesNotMatch(text, /SECRET/);
    assert.equal(JSON.parse(lines[0]!).url, 'https://hook.example/in?token=[redacted]');
    assert.deepEqual(JSON.parse(lines[1]!).req, { method: 'GET', url: '/x?access_token=[redacted]', headers: { authorization: '[redacted]', accept: '*/*' } });
  });

  for (const kind of ['createLogger', 'a plain pino logger'] as const) {
    test(`every role's request log redacts a token sent in the query string (${kind})`, async (t) => {
      const { stream: destination, lines } = memoryDestination();
      const logger = kind === 'createLogger' ? createLogger({ level: 'info', destination }) : pino({ level: 'info' }, destination);
      const app = buildHttpServer({ name: 'any-role', version: '1', logger, metrics: createMetrics({ defaultMetrics: false }) });
      t.after(() => app.close());
      app.get('/agents/:name/tasks', async () => ({ tasks: [] }));
      const ok = await app.inject({ method: 'GET', url: '/agents/a/tasks?access_token=SECRET3&pageSize=2' });
      assert.equal(ok.statusCode, 200);
      const missing = await app.inject({ method: 'GET', url: '/nowhere?api_key=SECRET4' });
      assert.equal(missing.statusCode, 404);
      const text = lines.join('');
      assert.doesNotMatch(text, /SECRET/);
      const incoming = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'incoming request');
      assert.deepEqual(incoming.map((l) => l.req.url), ['/agents/a/tasks?access_token=[redacted]&pageSize=2', '/nowhere?api_key=[redacted]']);
    });
  }
});
