import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createRegistryClient } from '../../../src/contracts/registry-client/index.js';
import { createLogger } from '../../../src/observability/index.js';
import { defineAgent } from '../../../src/runtime/index.js';
import { AgentRegistration } from '../../../src/runtime/registration/agent-registration.js';
import { call, sampleCard, startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';

/** A pino logger whose JSON lines land in `lines`. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

const refusals = (lines: Array<Record<string, any>>) => lines.filter((l) => l.level >= 50 && /refused to register/.test(String(l.msg)));

describe('a registration the registry refuses for good (400 about the card) is logged once and not retried', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 60_000 });
  });
  after(async () => reg.close());

  test('the loop ends after one attempt, with one error naming the refused field, and the registry holds nothing', async () => {
    const { logger, lines } = capturingLogger();
    const client = createRegistryClient({ url: reg.url, timeoutMs: 5_000 });
    // A short lease: a heartbeat period of 30 ms, so a loop that kept retrying would have tried many times by the time it is stopped.
    const card = { ...sampleCard('refused'), documentationUrl: 'docs.example.com/refused' };
    const registration = new AgentRegistration({
      client,
      agent: 'refused',
      card: () => card,
      metadata: undefined,
      instance: { url: 'http://127.0.0.1:1', leaseTtlMs: 90 },
      logger,
    });
    registration.start();
    await registration.firstAttempt;
    const ended = await Promise.race([registration.finished.then(() => true), until('a second attempt', () => refusals(lines).length > 1, 3_000).then(() => false, () => false)]);
    assert.equal(ended, true, 'the registration loop ended on its own instead of retrying');
    assert.equal(registration.refusal?.code, 'AM_ERR_REGISTRY_CARD_INVALID');
    const errors = refusals(lines);
    assert.equal(errors.length, 1, JSON.stringify(lines));
    assert.deepEqual(errors[0]!.fields, ['documentationUrl']);
    assert.match(errors[0]!.msg, /documentationUrl must be an absolute http\(s\) URL/);
    assert.match(errors[0]!.msg, /not retrying/);
    assert.equal(lines.filter((l) => /retrying/.test(String(l.msg)) && !/not retrying/.test(String(l.msg))).length, 0);
    assert.equal((await call(reg.url, 'GET', '/v1/agents/refused')).status, 404);
    await registration.stop(1_000);
  });

  test('a runtime whose card the registry refuses keeps serving A2A and logs the refusal once', async () => {
    const { logger, lines } = capturingLogger();
    const agent = defineAgent({
      card: { name: 'bad-docs', description: 'Has a documentation URL the registry refuses', documentationUrl: 'docs.example.com/bad-docs' },
      skills: { echo: { description: 'Echoes', handler: async (text: string) => text } },
    });
    const host = await startRuntime([agent], { registryUrl: reg.url, registryLeaseTtlMs: 1_000 }, { logger });
    try {
      await until('the refusal is logged', () => refusals(lines).length > 0);
      const [error] = refusals(lines);
      assert.equal(error!.agent, 'bad-docs');
      assert.deepEqual(error!.fields, ['documentationUrl']);
      const card = await fetch(`${host.agents['bad-docs']}/.well-known/agent-card.json`);
      assert.equal(card.status, 200, 'A2A is still served');
      assert.equal((await call(reg.url, 'GET', '/v1/agents/bad-docs')).status, 404);
    } finally {
      await host.close();
    }
    assert.equal(refusals(lines).length, 1, 'logged once over the runtime’s whole life');
  });
});
