/**
 * A runtime whose card change the registry holds for review
 * (docs/registry.md#review-holds) says so in one line, naming the review
 * and the command that shows it; the command, run as an operator would,
 * shows that review. A first registration (never held) and a restart with
 * the same held change say nothing new.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineAgent, type AgentDefinition } from '../../../src/runtime/index.js';
import { runToExit } from '../../helpers/child-output.js';
import { memoryDestination } from '../../helpers/memory-log.js';
import { createLogger } from '../../../src/observability/index.js';
import { call, startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { freePort } from '../../helpers/free-port.js';

const WRITE = 'write-token-0123456789';
const REVIEW = 'review-token-0123456789';

function desk(skills: Record<string, string>): AgentDefinition {
  return defineAgent({
    card: { name: 'help-desk', description: 'Answers support questions' },
    skills: Object.fromEntries(Object.entries(skills).map(([id, description]) => [id, { description, handler: async (text: string) => text }])),
  });
}

/** Runs the agent until it has registered, and gives back what it logged about a review. */
async function runOnce(registryUrl: string, place: { port: number; dataDir: string }, agent: AgentDefinition): Promise<Array<Record<string, unknown>>> {
  const log = memoryDestination();
  // The same port and data dir each time, as a restarted process has: the card names its URL and is signed with the key kept there.
  const host = await startRuntime([agent], { registryUrl, registryToken: WRITE, ...place }, { logger: createLogger({ level: 'info', destination: log.stream }) });
  try {
    await until('the registration', () => log.records().some((r) => r['msg'] === 'registered with the registry'));
  } finally {
    await host.close();
  }
  return log.records().filter((r) => /review/.test(String(r['msg'])));
}

describe('a runtime whose card change awaits review', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  const place = { port: 0, dataDir: '' };
  before(async () => {
    place.port = await freePort();
    place.dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-held-card-'));
    reg = await startRegistry({ writeToken: WRITE, reviewToken: REVIEW, review: { required: true }, probeIntervalMs: 60_000 });
  });
  after(async () => {
    await reg?.close();
    if (place.dataDir !== '') rmSync(place.dataDir, { recursive: true, force: true });
  });

  test('logs one line naming the review and how to follow it, and the command it names shows that review', async () => {
    assert.deepEqual(await runOnce(reg.url, place, desk({ answer: 'Answers a question' })), [], 'a new agent is registered at once: nothing to say');

    const said = await runOnce(reg.url, place, desk({ answer: 'Answers a question', refund: 'Refunds an order' }));
    const pending = (await call(reg.url, 'GET', '/v1/reviews?agent=help-desk')).body.reviews;
    assert.equal(pending.length, 1);
    const id = pending[0].id;
    assert.equal(said.length, 1, JSON.stringify(said));
    assert.equal(said[0]!['level'], 40, 'a warning: the change is not served');
    assert.equal(said[0]!['review'], id);
    assert.equal(said[0]!['agent'], 'help-desk');
    const command = `agentmesh agents review show help-desk --registry ${reg.url}`;
    assert.equal(said[0]!['msg'], `the registry holds this card change for review ${id}: it keeps serving the approved card until a reviewer approves; follow it with \`${command}\``);

    const shown = await runToExit(command.split(' ').slice(1), { REGISTRY_TOKEN: undefined, REGISTRY_URL: undefined });
    assert.equal(shown.code, 0, shown.output);
    assert.match(shown.output, new RegExp(`review\\s+${id}`));
    assert.match(shown.output, /skill "refund" added/);

    const again = await runOnce(reg.url, place, desk({ answer: 'Answers a question', refund: 'Refunds an order' }));
    assert.equal(again.length, 1, 'a new process says it again, once');
    assert.equal(again[0]!['review'], id, 'the same change is the same review');
  });
});
