import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthHistory } from '../../../src/gateway/console/health-history.js';

type Agents = ReturnType<ConstructorParameters<typeof HealthHistory>[0]['router']['agents']>;

function route(name: string, instances: Array<{ id: string; state: string; latencyMs?: number; inRotation: boolean }>): Agents[number] {
  return { record: { name } as Agents[number]['record'], instances: instances.map((i) => ({ id: i.id, inRotation: i.inRotation, probe: { state: i.state, latencyMs: i.latencyMs, consecutiveFailures: 0 } })) as unknown as Agents[number]['instances'] };
}

test("each instance's readings are kept oldest first, at most the capacity, and an instance gone for a whole window is forgotten", () => {
  let agents: Agents = [route('echo', [{ id: 'a', state: 'up', latencyMs: 3, inRotation: true }])];
  let now = 0;
  const history = new HealthHistory({ router: { agents: () => agents }, capacity: 2, intervalMs: 1000, clock: () => (now += 1000) });
  history.record();
  agents = [route('echo', [{ id: 'a', state: 'down', inRotation: false }, { id: 'b', state: 'up', latencyMs: 5, inRotation: true }])];
  history.record();
  history.record();
  assert.deepEqual(history.of('echo'), {
    a: [
      { at: 2000, state: 'down', latencyMs: null, inRotation: false },
      { at: 3000, state: 'down', latencyMs: null, inRotation: false },
    ],
    b: [
      { at: 2000, state: 'up', latencyMs: 5, inRotation: true },
      { at: 3000, state: 'up', latencyMs: 5, inRotation: true },
    ],
  });
  agents = [route('echo', [{ id: 'b', state: 'up', latencyMs: 5, inRotation: true }])];
  history.record(); // 4000: a's newest (3000) is within the 2 s window
  assert.ok('a' in history.of('echo'));
  history.record(); // 5000: a's newest is older than the window
  history.record();
  assert.deepEqual(Object.keys(history.of('echo')), ['b']);
  assert.deepEqual(history.of('constructor'), {});
});
