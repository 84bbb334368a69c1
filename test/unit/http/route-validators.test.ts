import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testServer } from './test-server.js';

/** A route schema written anew for each app, as a role's routes module writes it on each start. */
function pageQuery(max: number) {
  return { type: 'object', properties: { pageSize: { type: 'integer', minimum: 1, maximum: max } }, additionalProperties: false };
}

/** An app with `GET /page` checked by `pageQuery(max)`, which answers with the validator Fastify gave the route. */
async function appWith(max: number, seen: unknown[]): Promise<FastifyInstance> {
  const { app } = testServer();
  app.get('/page', { schema: { querystring: pageQuery(max) } }, async (request) => {
    seen.push(request.getValidationFunction('querystring'));
    return { pageSize: (request.query as { pageSize?: number }).pageSize ?? null };
  });
  await app.ready();
  return app;
}

describe('route validators shared by the apps of a process', () => {
  test('two apps with an equal schema in new objects get one compiled validator, and both still refuse what it refuses', async (t) => {
    const seen: unknown[] = [];
    const first = await appWith(50, seen);
    const second = await appWith(50, seen);
    t.after(() => Promise.all([first.close(), second.close()]));
    for (const app of [first, second]) {
      assert.deepEqual((await app.inject({ method: 'GET', url: '/page?pageSize=20' })).json(), { pageSize: 20 });
      const refused = await app.inject({ method: 'GET', url: '/page?pageSize=51' });
      assert.equal(refused.statusCode, 400);
    }
    assert.equal(seen.length, 2);
    assert.equal(typeof seen[0], 'function');
    assert.equal(seen[0], seen[1]);
  });

  test('a schema that differs in any respect is compiled for itself', async (t) => {
    const seen: unknown[] = [];
    const narrow = await appWith(10, seen);
    const wide = await appWith(500, seen);
    t.after(() => Promise.all([narrow.close(), wide.close()]));
    assert.equal((await narrow.inject({ method: 'GET', url: '/page?pageSize=20' })).statusCode, 400);
    assert.deepEqual((await wide.inject({ method: 'GET', url: '/page?pageSize=20' })).json(), { pageSize: 20 });
    assert.equal((await narrow.inject({ method: 'GET', url: '/page?pageSize=5' })).statusCode, 200);
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0], seen[1]);
  });
});
