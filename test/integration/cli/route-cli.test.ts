/** `agentmesh route [--explain] "<text>"` against a real registry of the example agents. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { exampleAgents } from '../../../agents/index.js';
import { startRegisteredAgents, type RegisteredAgents } from '../../unit/orchestrator/router/registered-agents.js';
import { cli, cliJson } from './cli-harness.js';

const workflows = fileURLToPath(new URL('../../../workflows/', import.meta.url));

describe('agentmesh route', () => {
  let mesh: RegisteredAgents;
  let env: Record<string, string>;

  before(async () => {
    mesh = await startRegisteredAgents(exampleAgents);
    env = { AGENTMESH_REGISTRY: mesh.registry.url };
  });
  after(async () => {
    await mesh.close();
  });

  test('prints where the request would go and why', async () => {
    const run = await cli(['route', 'score leads similar to my best customers'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^route to audience-architect \(score-lookalike\): matched 'score', 'leads', 'similar', 'best'; cues lookalike\n$/);
  });

  test('--explain adds the rule, the intent cues and every candidate with score, coverage and what decided', async () => {
    const run = await cli(['route', '--explain', 'What would 25 seats at 40 dollars a month cost per year?'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^route to finance \(calculate-costs\)/);
    assert.match(run.stdout, /^decision: route → finance$/m);
    assert.match(run.stdout, /^intent cues in the request: .*cost/m);
    assert.match(run.stdout, /^candidate +score +raw +coverage +what counted$/m);
    assert.match(run.stdout, /^finance +\d+ +[\d.]+ +\d+% +.*cue:cost/m);
  });

  test('--workflows ranks the folder\'s workflows too; --json prints the decision and its explanation', async () => {
    const run = await cliJson(['route', '--workflows', workflows, 'Do the full lookalike campaign: enrichment, scoring and launch'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.decision, 'workflow');
    assert.equal(run.json.workflow, 'lookalike-campaign');
    assert.equal((run.json.explain as any).chosen, 'workflow:lookalike-campaign');
  });

  test('a request nothing in the mesh does exits 1 with "No agent for this"; a vague one shows the question', async () => {
    const none = await cli(['route', 'Book me a flight to Berlin next Tuesday'], { env });
    assert.equal(none.code, 1);
    assert.match(none.stdout, /^No agent for this: /);
    const vague = await cli(['route', 'We need to do something about our leads'], { env });
    assert.equal(vague.code, 0, vague.stderr);
    assert.match(vague.stdout, /^ask: .*\n {2}Which of these is meant\? Answer with a number or a name\.\n {2}1\. /);
  });

  test('an unreachable registry fails with the registry error, not a crash', async () => {
    const run = await cli(['route', 'anything at all', '--registry', 'http://127.0.0.1:9', '--timeout', '2000'], { env: {} });
    assert.equal(run.code, 1);
    assert.notEqual(run.stderr, '');
  });
});
