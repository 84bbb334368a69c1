import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/observability/logger.js';
import { requestContext } from '../../../src/observability/request-context.js';
import { memoryDestination } from '../../helpers/memory-log.js';

describe('createLogger', () => {
  test('redacts the Authorization, Cookie and X-API-Key headers of a logged request', () => {
    const dest = memoryDestination();
    const logger = createLogger({ destination: dest.stream });
    logger.info(
      {
        req: {
          method: 'POST',
          url: '/message:send',
          headers: { authorization: 'Bearer sk-live-SECRET1', cookie: 'session=SECRET2', 'x-api-key': 'SECRET3', accept: 'application/json' },
        },
      },
      'incoming request',
    );
    const text = dest.lines.join('');
    for (const secret of ['SECRET1', 'SECRET2', 'SECRET3']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    const [record] = dest.records();
    const headers = (record?.req as { headers: Record<string, string> }).headers;
    assert.equal(headers.authorization, '[redacted]');
    assert.equal(headers.cookie, '[redacted]');
    assert.equal(headers['x-api-key'], '[redacted]');
    assert.equal(headers.accept, 'application/json', 'other headers stay readable');
  });

  test('redacts credentials one level down and at the top level', () => {
    const dest = memoryDestination();
    const logger = createLogger({ destination: dest.stream });
    logger.info(
      {
        client: { id: 'c1', clientSecret: 'S-1', token: 'S-2', accessToken: 'S-3', privateKey: 'S-4', password: 'S-5', secret: 'S-6' },
        headers: { authorization: 'Basic S-7' },
        token: 'S-8',
      },
      'client registered',
    );
    const text = dest.lines.join('');
    for (let i = 1; i <= 8; i++) assert.ok(!text.includes(`S-${i}`), `S-${i} leaked: ${text}`);
    const [record] = dest.records();
    assert.equal((record?.client as Record<string, string>).id, 'c1');
    assert.equal((record?.client as Record<string, string>).clientSecret, '[redacted]');
  });

  test('redacts the secrets of a logged config, whether logged as it is or one or two levels down', () => {
    const dest = memoryDestination();
    const logger = createLogger({ destination: dest.stream });
    const secrets = {
      keyEncryptionSecret: 'K-1',
      previousKeyEncryptionSecret: 'K-2',
      storageSecret: 'K-3',
      previousStorageSecret: 'K-4',
      signingKeyEncryptionSecret: 'K-5',
      previousSigningKeyEncryptionSecret: 'K-6',
    };
    logger.info({ port: 4000, ...secrets }, 'config as it is');
    logger.info({ config: { port: 4000, ...secrets } }, 'config one level down');
    logger.info({ config: { port: 4000, identity: { issuer: 'https://mesh', ...secrets } } }, 'config two levels down');
    const text = dest.lines.join('');
    for (let i = 1; i <= 6; i++) assert.ok(!text.includes(`K-${i}`), `K-${i} leaked: ${text}`);
    const [top, one, two] = dest.records();
    assert.equal(top?.port, 4000);
    assert.equal(top?.storageSecret, '[redacted]');
    assert.equal((one?.config as Record<string, unknown>).port, 4000, 'what is not a secret stays readable');
    assert.equal(((two?.config as Record<string, unknown>).identity as Record<string, unknown>).issuer, 'https://mesh');
  });

  test('stamps reqId and traceId on lines written inside a request context', () => {
    const dest = memoryDestination();
    const log = createLogger({ destination: dest.stream }).child({ component: 'runtime' });
    requestContext.run({ reqId: 'req-1', traceId: '0af7651916cd43dd8448eb211c80319c' }, () => {
      log.info('inside');
    });
    log.info('outside');
    const [inside, outside] = dest.records();
    assert.equal(inside?.reqId, 'req-1');
    assert.equal(inside?.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(inside?.component, 'runtime');
    assert.equal(outside?.reqId, undefined);
    assert.equal(outside?.traceId, undefined);
  });

  test('keeps the context across awaits', async () => {
    const dest = memoryDestination();
    const log = createLogger({ destination: dest.stream });
    await requestContext.run({ reqId: 'req-async' }, async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      log.info('after await');
    });
    assert.equal(dest.records()[0]?.reqId, 'req-async');
    assert.equal(dest.records()[0]?.traceId, undefined, 'no traceId when the request has none');
  });

  test('does not write reqId twice for a logger that already binds it', () => {
    const dest = memoryDestination();
    const requestLog = createLogger({ destination: dest.stream }).child({ reqId: 'req-2' });
    requestContext.run({ reqId: 'req-2' }, () => requestLog.child({ component: 'x' }).info('once'));
    assert.equal(dest.lines[0]?.match(/"reqId"/g)?.length, 1, dest.lines[0]);
  });

  test('honours the level and name options', () => {
    const dest = memoryDestination();
    const logger = createLogger({ destination: dest.stream, level: 'warn', name: 'gateway' });
    logger.info('dropped');
    logger.warn('kept');
    assert.equal(dest.lines.length, 1);
    assert.equal(dest.records()[0]?.name, 'gateway');
  });

  test('refuses pretty printing, which belongs to pino-pretty', () => {
    assert.throws(() => createLogger({ pretty: true as unknown as false }), /"pretty" option must be false/);
  });
});
