import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCandidate, pickInstance } from '../../../src/gateway/routing/balancer.js';
import { FailedAnswer, UpstreamInstance } from '../../../src/gateway/routing/upstream-instance.js';
import { FAILED_CALLER } from '../../../src/gateway/routing/fault-accounting.js';
import type { AgentInstance } from '../../../src/registry/index.js';

function info(id: string, extra: Partial<AgentInstance> = {}): AgentInstance {
  return { id, agent: 'sales', url: `http://10.0.0.${id.length}:4000/agents/sales`, kind: 'leased', registeredAt: '2026-08-01T00:00:00.000Z', probe: { state: 'up', consecutiveFailures: 0 }, inRotation: true, ...extra };
}

function instances(...ids: string[]): UpstreamInstance[] {
  return ids.map((id) => new UpstreamInstance(info(id), { failures: 5, openMs: 30_000 }, () => undefined));
}

async function fail(instance: UpstreamInstance, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await instance.execute(async () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).catch(() => undefined);
}

test('the instance with the fewest outstanding requests is picked', () => {
  const [a, b, c] = instances('a', 'b', 'c');
  a!.outstanding = 3;
  b!.outstanding = 1;
  c!.outstanding = 2;
  assert.equal(pickInstance([a!, b!, c!], new Set(), { next: 0 }, Date.now()), b);
});

test('ties go round robin, so sequential requests on an idle pool spread evenly', () => {
  const pool = instances('a', 'b', 'c');
  const rr = { next: 0 };
  const picks = Array.from({ length: 9 }, () => pickInstance(pool, new Set(), rr, Date.now())!.id);
  assert.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
});

test('instances out of rotation, already tried, or with an open breaker are skipped', async () => {
  const [a, b, c] = instances('a', 'b', 'c');
  a!.update({ ...a!.info, inRotation: false });
  await fail(c!, 5);
  assert.equal(c!.breakerState(), 'open');
  assert.equal(pickInstance([a!, b!, c!], new Set(), { next: 0 }, Date.now()), b);
  assert.equal(pickInstance([a!, b!, c!], new Set(['b']), { next: 0 }, Date.now()), undefined);
  assert.equal(hasCandidate([a!, b!, c!], new Set(['b']), Date.now()), false);
  assert.equal(hasCandidate([a!, b!, c!], new Set(), Date.now()), true);
});

test('the breaker opens after five consecutive failures, half-opens after the window, and one trial decides', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const [a] = instances('a');
  await fail(a!, 4);
  assert.equal(a!.breakerState(), 'closed');
  assert.equal(a!.failures, 4);
  await a!.execute(async () => 'ok');
  assert.equal(a!.failures, 0, 'a success resets the count: failures must be consecutive');
  await fail(a!, 5);
  assert.equal(a!.breakerState(), 'open');
  assert.equal(a!.available(), false);
  t.mock.timers.setTime(1_000_000 + 29_999);
  assert.equal(a!.breakerState(), 'open');
  t.mock.timers.setTime(1_000_000 + 30_000);
  assert.equal(a!.breakerState(), 'half-open');
  assert.equal(a!.available(), true);

  // The trial fails: open again for another window.
  let release!: () => void;
  const trial = a!.execute(() => new Promise<string>((_resolve, reject) => (release = () => reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' })))));
  assert.equal(a!.available(), false, 'one trial at a time: others are kept away while it runs');
  assert.equal(pickInstance([a!], new Set(), { next: 0 }, Date.now()), undefined);
  release();
  await trial.catch(() => undefined);
  assert.equal(a!.breakerState(), 'open');
  t.mock.timers.setTime(1_000_000 + 60_000);
  assert.equal(a!.available(), true);
  // The next trial succeeds: closed.
  assert.equal(await a!.execute(async () => 'fine'), 'fine');
  assert.equal(a!.breakerState(), 'closed');
});

test('a 5xx answer counts as a failure yet is returned; a request the client gave up on does not count', async () => {
  const [a] = instances('a');
  const answer = { statusCode: 503 };
  for (let i = 0; i < 4; i++) assert.equal(await a!.execute(async () => Promise.reject(new FailedAnswer(answer, undefined))), answer);
  assert.equal(a!.failures, 4);
  await a!.execute(async () => Promise.reject(Object.assign(new Error('client left'), { clientGone: true }))).catch(() => undefined);
  assert.equal(a!.failures, 4);
  assert.equal(a!.breakerState(), 'closed');
  await a!.execute(async () => Promise.reject(new FailedAnswer(answer, undefined)));
  assert.equal(a!.breakerState(), 'open');
});

test('one tenant alone cannot open a breaker with failures it could provoke; two tenants can', async () => {
  const [a] = instances('a');
  const answer = { statusCode: 504 };
  for (let i = 0; i < 20; i++) await a!.execute(async () => Promise.reject(new FailedAnswer(answer, 'mallory')));
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', [FAILED_CALLER]: 'mallory' });
  for (let i = 0; i < 20; i++) await a!.execute(async () => Promise.reject(reset)).catch(() => undefined);
  assert.equal(a!.breakerState(), 'closed');
  assert.equal(a!.failures, 0);
  // The same failures happening to a second tenant too: the instance's, counted.
  for (let i = 0; i < 5; i++) await a!.execute(async () => Promise.reject(new FailedAnswer(answer, i % 2 === 0 ? 'alice' : 'mallory')));
  assert.equal(a!.breakerState(), 'open');
});

test('an unreachable instance counts whoever calls; a request undici refuses to send never counts', async () => {
  const [a, b] = instances('a', 'b');
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', [FAILED_CALLER]: 'mallory' });
  for (let i = 0; i < 5; i++) await a!.execute(async () => Promise.reject(refused)).catch(() => undefined);
  assert.equal(a!.breakerState(), 'open');
  const invalid = Object.assign(new Error('invalid request path'), { code: 'UND_ERR_INVALID_ARG' });
  for (let i = 0; i < 20; i++) await b!.execute(async () => Promise.reject(invalid)).catch(() => undefined);
  assert.equal(b!.failures, 0);
  assert.equal(b!.breakerState(), 'closed');
});

test('the request path joins the instance base path and the path after /agents/{name}', () => {
  const [a] = instances('a');
  assert.equal(a!.pathFor('/', undefined), '/agents/sales');
  assert.equal(a!.pathFor('/message:send', 'x=1'), '/agents/sales/message:send?x=1');
  assert.equal(a!.pathFor('/tasks/t1', '?historyLength=2'), '/agents/sales/tasks/t1?historyLength=2');
  const root = new UpstreamInstance(info('r', { url: 'http://10.0.0.9:4000' }), { failures: 5, openMs: 30_000 }, () => undefined);
  assert.equal(root.pathFor('/', undefined), '/');
  assert.equal(root.pathFor('/.well-known/agent-card.json', undefined), '/.well-known/agent-card.json');
  assert.equal(root.origin, 'http://10.0.0.9:4000');
});
