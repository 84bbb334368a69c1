import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostsSeen, replicaHostsOf } from '../../../src/runtime/replica-hosts.js';
import { defineAgent } from '../../../src/runtime/index.js';

const agent = defineAgent({
  card: { name: 'orchestrator', description: 'Runs workflows' },
  skills: { run: { description: 'Runs one', idempotent: true, handler: async () => 'done' }, plan: { description: 'Plans', handler: async () => 'plan' } },
});
const seen = (...hosts: Array<string | null>) => new HostsSeen(hosts.map((h, i) => ({ id: `r${i}`, heartbeatAt: 0, hosts: h })));

test("a replica's recorded hosts name each agent's skills, and a scan reads them back", () => {
  const hosts = replicaHostsOf([agent]);
  assert.deepEqual(JSON.parse(hosts), { orchestrator: ['run', 'plan'] });
  const fleet = seen(hosts, '{"scorer":["score"]}');
  assert.equal(fleet.canRun('orchestrator', 'run'), true);
  assert.equal(fleet.canRun('scorer', 'score'), true);
  assert.equal(fleet.canRun('orchestrator', 'gone'), false, 'a skill no replica hosts (it was removed in a newer version)');
  assert.equal(fleet.canRun('nobody', 'run'), false);
  assert.equal(fleet.canRun('orchestrator', null), false, 'a task without a skill runs nowhere');
  assert.equal(seen().canRun('orchestrator', 'run'), false, 'no replica seen');
});

test('a replica seen that never said what it hosts (an earlier version), or said it unreadably, may host anything', () => {
  assert.equal(seen(null).canRun('orchestrator', 'run'), true);
  assert.equal(seen('not json').canRun('orchestrator', 'run'), true);
  assert.equal(seen('{"orchestrator":"run"}').canRun('orchestrator', 'run'), true);
});
