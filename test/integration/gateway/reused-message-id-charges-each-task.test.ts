/**
 * A reused messageId through the gateway (ADR 0046, "Charging the task the
 * answer names"): the runtime answers a genuine retry with the task the
 * messageId started (no second run) and starts a new task for anything else
 * under that id. The gateway charges each task once: a retry pays nothing
 * more, a different message (or the same one after its task was canceled)
 * pays for its own task, on blocking and streaming sends, on SQLite and
 * PostgreSQL, with exact and leased holds. The ledger reconciles, no hold is
 * left, and a tenant whose credits are spent is refused with 402 rather than
 * getting a task for free.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LEASE_AGENT } from '../../../src/gateway/credits/index.js';
import { balanceTotal, callAgent, createClient, fetchToken, streamThroughGateway, topUp } from '../../helpers/gateway-fixture.js';
import { startGatewayMesh, type GatewayMesh } from '../../helpers/gateway-mesh.js';
import { chargedTo, GREETING, PRICE, pricedWorker } from '../../helpers/priced-worker.js';
import { createTestSchema, type TestSchema } from '../../helpers/services.js';
import { until } from '../../helpers/until.js';

const TENANT = 'reuser';
const POOR = 'reuser-poor';

/** Counts each text's runs; a text starting with `hold` holds its first run until its task is canceled. */
const { worker, runs } = pricedWorker();

interface TaskJson {
  id: string;
  status: { state: string };
}

function message(messageId: string, text: string): Record<string, unknown> {
  return { messageId, role: 'ROLE_USER', parts: [{ text }] };
}

const VARIANTS = [
  { name: 'SQLite, exact holds', postgres: false, creditsMode: 'exact' },
  { name: 'SQLite, leased holds', postgres: false, creditsMode: 'lease' },
  { name: 'PostgreSQL, exact holds', postgres: true, creditsMode: 'exact' },
  { name: 'PostgreSQL, leased holds', postgres: true, creditsMode: 'lease' },
] as const;

for (const variant of VARIANTS) {
  describe(`a reused messageId through the gateway is charged once per task (${variant.name})`, () => {
    let mesh: GatewayMesh;
    let schema: TestSchema | undefined;
    let token: string;
    let poorToken: string;
    let toppedUp: number;
    /** Texts are this variant's own: the skill counts its runs per text. */
    const tag = variant.name.replace(/\W+/g, '-');

    before(async () => {
      schema = variant.postgres ? await createTestSchema() : undefined;
      const store = schema !== undefined ? { databaseUrl: schema.url, keyEncryptionSecret: 'reused-message-id-test-secret-0123456789' } : {};
      mesh = await startGatewayMesh({ agents: [worker], gateway: { creditsMode: variant.creditsMode, ...store } });
      const scopes = ['a2a:message:send', 'a2a:tasks:read', 'a2a:tasks:cancel'];
      token = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'reuser-app', tenant: TENANT, scopes }));
      poorToken = await fetchToken(mesh.gw.url, await createClient(mesh.gw.url, { name: 'poor-app', tenant: POOR, scopes }));
      await topUp(mesh.gw.url, TENANT, 100);
      toppedUp = 100_000;
      await topUp(mesh.gw.url, POOR, PRICE / 1000);
    });
    after(async () => {
      await mesh?.close();
      await schema?.drop();
    });

    /** What the tenant's settled calls were charged so far, and how many, once every settlement is written. */
    const charged = (tenant = TENANT) => chargedTo(mesh, tenant);

    /** What the tenant's settled calls were charged while `calls` ran, and how many there were. */
    async function chargedFor(calls: () => Promise<void>): Promise<{ milliCredits: number; calls: number }> {
      const before = await charged();
      await calls();
      const now = await charged();
      return { milliCredits: now.milliCredits - before.milliCredits, calls: now.calls - before.calls };
    }

    async function send(m: Record<string, unknown>, options: { returnImmediately?: boolean; as?: string } = {}): Promise<TaskJson> {
      const params = { message: m, ...(options.returnImmediately === true && { configuration: { returnImmediately: true } }) };
      const res = await callAgent(mesh.gw.url, 'worker', options.as ?? token, 'SendMessage', params);
      const body = (await res.json()) as { result?: { task?: TaskJson } };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.ok(body.result?.task !== undefined, JSON.stringify(body));
      return body.result.task;
    }

    /** A SendStreamingMessage read to its end: the task it streamed and that task's last state. */
    const stream = (m: Record<string, unknown>) => streamThroughGateway(mesh.gw.url, 'worker', token, m);

    test('the same SendMessage sent twice is one task, charged once', async () => {
      const charge = await chargedFor(async () => {
        const m = message(randomUUID(), `alpha ${tag}`);
        const first = await send(m);
        const again = await send(m);
        assert.equal(first.status.state, 'TASK_STATE_COMPLETED');
        assert.equal(again.id, first.id, 'a retry is answered with the task the messageId started');
        assert.equal(runs.get(`alpha ${tag}`), 1, 'a retry does not run the skill again');
      });
      assert.deepEqual(charge, { milliCredits: PRICE, calls: 1 });
    });

    /** SendMessage and SendStreamingMessage, each giving the task it started and that task's last state. */
    const ways = [
      {
        name: 'SendMessage',
        call: async (m: Record<string, unknown>) => {
          const task = await send(m);
          return { taskId: task.id, state: task.status.state };
        },
      },
      { name: 'streaming', call: stream },
    ];
    for (const way of ways) {
      test(`${way.name}: the same messageId with other text is two tasks, charged twice; its retry once`, async () => {
        const charge = await chargedFor(async () => {
          const id = randomUUID();
          const first = await way.call(message(id, `beta ${way.name} ${tag}`));
          const second = await way.call(message(id, `gamma ${way.name} ${tag}`));
          assert.equal(first.state, 'TASK_STATE_COMPLETED');
          assert.equal(second.state, 'TASK_STATE_COMPLETED');
          assert.ok(first.taskId !== undefined && second.taskId !== undefined);
          assert.notEqual(second.taskId, first.taskId, 'another message under a reused messageId starts its own task');
          // Its retry is still a retry of the task it started: nothing more.
          assert.equal((await way.call(message(id, `gamma ${way.name} ${tag}`))).taskId, second.taskId, 'a retry gets the same task');
        });
        assert.deepEqual(charge, { milliCredits: 2 * PRICE, calls: 2 });
      });
    }

    test('the same message after its task was canceled starts a task that is charged', async () => {
      const charge = await chargedFor(async () => {
        const m = message(randomUUID(), `hold-canceled ${tag}`);
        const first = await send(m, { returnImmediately: true });
        const res = await callAgent(mesh.gw.url, 'worker', token, 'CancelTask', { id: first.id });
        assert.equal(res.status, 200, await res.clone().text());
        const canceled = (await res.json()) as { result?: TaskJson };
        assert.equal(canceled.result?.status.state, 'TASK_STATE_CANCELED');
        const second = await send(m);
        assert.notEqual(second.id, first.id, 'a canceled task is not a retry’s answer');
        assert.equal(second.status.state, 'TASK_STATE_COMPLETED');
        // The canceled task's hold is refunded (its tracker sees it end); the second task is charged.
        await until('no hold left but the leases', async () => (await mesh.gw.gateway.ledger.holds(TENANT)).every((h) => h.agent === LEASE_AGENT));
      });
      assert.deepEqual(charge, { milliCredits: PRICE, calls: 1 });
    });

    test('message answers: a retry runs again and is charged once; another message under the messageId is charged for itself', async () => {
      const charge = await chargedFor(async () => {
        const id = randomUUID();
        const greet = (text: string) => ({ ...message(id, text), metadata: { skillId: 'greet' } });
        const answer = async (text: string): Promise<unknown> => {
          const res = await callAgent(mesh.gw.url, 'worker', token, 'SendMessage', { message: greet(text) });
          const body = (await res.json()) as { result?: { message?: { parts?: Array<{ text?: string }> } } };
          assert.equal(res.status, 200, JSON.stringify(body));
          return body.result?.message?.parts?.[0]?.text;
        };
        assert.equal(await answer(`theta ${tag}`), `Hello, theta ${tag}`);
        assert.equal(await answer(`theta ${tag}`), `Hello, theta ${tag}`);
        assert.equal(runs.get(`theta ${tag}`), 2, 'a message answer has no task to answer a retry with: the skill runs again');
        assert.equal(await answer(`iota ${tag}`), `Hello, iota ${tag}`);
      });
      assert.deepEqual(charge, { milliCredits: 2 * GREETING, calls: 2 });
    });

    test('a tenant whose credits are spent is refused a new task under a reused messageId (402), not given one', async () => {
      const id = randomUUID();
      await send(message(id, `zeta ${tag}`), { as: poorToken });
      const res = await callAgent(mesh.gw.url, 'worker', poorToken, 'SendMessage', { message: message(id, `eta ${tag}`) });
      const body = (await res.json()) as { error?: { code?: number; data?: unknown } };
      assert.equal(res.status, 402, JSON.stringify(body));
      assert.equal(runs.get(`eta ${tag}`), undefined, 'the refused message started nothing (the gateway forwards it as retry-only, the runtime refuses it)');
      assert.deepEqual(await charged(POOR), { milliCredits: PRICE, calls: 1 });
      assert.equal(await balanceTotal(mesh.gw.url, POOR), 0);
    });

    test('every credit is accounted for: nothing held but leases, balance plus charges is what was topped up, the ledger reconciles', async () => {
      await mesh.gw.gateway.credits.flush();
      const ledger = mesh.gw.gateway.ledger;
      assert.deepEqual((await ledger.holds(TENANT)).filter((h) => h.agent !== LEASE_AGENT), []);
      const { milliCredits } = await charged();
      assert.equal(await balanceTotal(mesh.gw.url, TENANT), toppedUp - milliCredits);
      assert.deepEqual((await ledger.reconcile()).discrepancies, []);
    });
  });
}
