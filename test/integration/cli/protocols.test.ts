import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Capture, cli, cliJson } from './cli-harness.js';
import { startFixtureAgent, type FixtureAgent, type SeenRequest } from './fixture-agent.js';

type TaskJson = { id: string; status: { state: string }; artifacts?: { parts: { text?: string }[] }[] };

/** Every protocol version × binding the CLI speaks, with the wire each must produce on the SDK server. */
const MATRIX = [
  { protocol: '1.0', binding: 'jsonrpc', send: 'POST /a2a/jsonrpc', stream: 'POST /a2a/jsonrpc', get: (_id: string) => 'POST /a2a/jsonrpc' },
  { protocol: '1.0', binding: 'rest', send: 'POST /a2a/rest/message:send', stream: 'POST /a2a/rest/message:stream', get: (id: string) => `GET /a2a/rest/tasks/${id}` },
  { protocol: '0.3', binding: 'jsonrpc', send: 'POST /a2a/jsonrpc', stream: 'POST /a2a/jsonrpc', get: (_id: string) => 'POST /a2a/jsonrpc' },
  { protocol: '0.3', binding: 'rest', send: 'POST /a2a/rest/v1/message:send', stream: 'POST /a2a/rest/v1/message:stream', get: (id: string) => `GET /a2a/rest/v1/tasks/${id}` },
] as const;

describe('agentmesh speaks every protocol version and binding of an official SDK server', () => {
  let agent: FixtureAgent;
  before(async () => {
    agent = await startFixtureAgent();
  });
  after(() => agent.close());

  /** Runs `fn` and returns the A2A calls (card fetches left out) it caused on the server. */
  const calls = async (fn: () => Promise<void>): Promise<SeenRequest[]> => {
    const from = agent.requests.length;
    await fn();
    return agent.requests.slice(from).filter((r) => !r.path.endsWith('agent-card.json'));
  };
  const line = (r: SeenRequest) => `${r.method} ${r.path.split('?')[0]}`;

  for (const wire of MATRIX) {
    const flags = ['--protocol', wire.protocol, '--binding', wire.binding];

    describe(`A2A ${wire.protocol} over ${wire.binding}`, () => {
      test('sends a blocking message on the matching wire and prints the completed task', async () => {
        let run = { code: -1, stdout: '', stderr: '' };
        const seen = await calls(async () => {
          run = await cli(['send', agent.url, 'matrix', ...flags]);
        });
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^state {5}completed$/m);
        assert.match(run.stdout, /^artifact {2}report: scored: matrix$/m);
        assert.deepEqual(seen.map(line), [wire.send]);
        assert.equal(seen[0]?.headers['a2a-version'], wire.protocol);
      });

      test('streams events on the matching wire', async () => {
        let run = { code: -1, stdout: '', stderr: '' };
        const seen = await calls(async () => {
          run = await cli(['send', agent.url, 'matrix', '--stream', ...flags]);
        });
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(run.stdout.trimEnd().split('\n').slice(1), ['[working] Scoring 3 leads…', '[artifact] report: scored: matrix', '[completed] done']);
        assert.deepEqual(seen.map(line), [wire.stream]);
        assert.equal(seen[0]?.headers['a2a-version'], wire.protocol);
      });

      test('prints v1.0 JSON whatever the wire version', async () => {
        const { code, json } = await cliJson(['send', agent.url, 'matrix', ...flags]);
        const task = json as unknown as TaskJson;
        assert.equal(code, 0);
        assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
        assert.deepEqual(task.artifacts?.[0]?.parts, [{ text: 'scored: matrix' }]);
      });

      test('answers an input-required task', async () => {
        const asked = await cliJson(['send', agent.url, 'q', '--skill', 'ask', ...flags]);
        assert.equal(asked.code, 3);
        const id = (asked.json as unknown as TaskJson).id;
        const answered = await cli(['send', agent.url, 'LATAM', '--task', id, '--stream', ...flags]);
        assert.equal(answered.code, 0, answered.stderr);
        assert.match(answered.stdout, /^\[artifact\] report: region: LATAM$/m);
      });

      test('gets a task, and reports an unknown one as TASK_NOT_FOUND', async () => {
        const sent = await cliJson(['send', agent.url, 'matrix', ...flags]);
        const id = (sent.json as unknown as TaskJson).id;
        let run = { code: -1, stdout: '', stderr: '' };
        const seen = await calls(async () => {
          run = await cli(['tasks', 'get', agent.url, id, ...flags]);
        });
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, new RegExp(`^task {6}${id}\\nc`, 'm'));
        assert.deepEqual(seen.map(line), [wire.get(id)]);

        const missing = await cli(['tasks', 'get', agent.url, 'missing-1', ...flags]);
        assert.equal(missing.code, 1);
        assert.equal(missing.stderr, 'error: Task not found: missing-1 (A2A -32001 TASK_NOT_FOUND)\n');
      });

      test('watches a running task to completion and cancels another', async () => {
        const held = await cliJson(['send', agent.url, 'slow', '--skill', 'hold', '--no-wait', ...flags]);
        const id = (held.json as unknown as TaskJson).id;
        await agent.held(id);
        const stdout = new Capture();
        const watching = cli(['tasks', 'watch', agent.url, id, ...flags], { stdout });
        await stdout.waitFor('[working]');
        agent.release(id);
        const watched = await watching;
        assert.equal(watched.code, 0, watched.stderr);
        assert.deepEqual(stdout.lines.slice(1), ['[artifact] report: released', '[completed] done']);

        const other = await cliJson(['send', agent.url, 'slow', '--skill', 'hold', '--no-wait', ...flags]);
        const otherId = (other.json as unknown as TaskJson).id;
        await agent.held(otherId);
        const canceled = await cli(['tasks', 'cancel', agent.url, otherId, ...flags]);
        assert.equal(canceled.code, 0, canceled.stderr);
        assert.match(canceled.stdout, /^state {5}canceled$/m);
      });
    });
  }

  describe('interface selection from the card', () => {
    test('prefers A2A 1.0 and the first listed binding when nothing is asked', async () => {
      const seen = await calls(async () => {
        assert.equal((await cli(['send', agent.url, 'auto'])).code, 0);
      });
      assert.deepEqual(seen.map(line), ['POST /a2a/jsonrpc']);
      assert.equal(seen[0]?.headers['a2a-version'], '1.0');
    });

    test("follows the card's preferred binding, resolving relative interface URLs against an agent path", async () => {
      const seen = await calls(async () => {
        const run = await cli(['send', agent.restFirstUrl, 'auto']);
        assert.equal(run.code, 0, run.stderr);
      });
      assert.deepEqual(seen.map(line), ['POST /agents/rest-first/a2a/rest/message:send']);
    });

    test('keeps the version preference within an asked binding', async () => {
      const seen = await calls(async () => {
        assert.equal((await cli(['send', agent.url, 'auto', '--binding', 'rest'])).code, 0);
      });
      assert.deepEqual(seen.map(line), ['POST /a2a/rest/message:send']);
    });

    test('falls back to 0.3 when the card lists nothing newer', async () => {
      const seen = await calls(async () => {
        const run = await cli(['send', agent.legacyUrl, 'old']);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^state {5}completed$/m);
      });
      assert.deepEqual(seen.map(line), ['POST /agents/legacy/a2a/jsonrpc']);
      assert.equal(seen[0]?.headers['a2a-version'], '0.3');
    });

    test('never falls back silently when a version is asked for (A2A §3.6.3)', async () => {
      const run = await cli(['send', agent.legacyUrl, 'old', '--protocol', '1.0']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: the agent card at \S+ lists no usable interface for A2A 1\.0 \(it lists: JSONRPC 0\.3, HTTP\+JSON 0\.3\)\n$/);
    });

    test('accepts the full agent card URL instead of the base URL', async () => {
      const run = await cli(['send', `${agent.url}/agents/legacy/.well-known/agent-card.json`, 'direct', '--binding', 'rest']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^artifact {2}report: scored: direct$/m);
    });
  });
});
