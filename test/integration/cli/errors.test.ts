import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli } from './cli-harness.js';
import { startFixtureAgent } from './fixture-agent.js';
import { startedForSuite, tempDirForSuite } from '../../helpers/suite-fixture.js';
import { closedPort } from '../../helpers/free-port.js';

describe('agentmesh reports errors clearly, with exit codes', () => {
  const agent = startedForSuite(startFixtureAgent);
  const dir = tempDirForSuite('agentmesh-cli-');

  describe('reaching the agent', () => {
    test('names an unreachable agent and the reason, exit code 1', async () => {
      const port = await closedPort();
      const run = await cli(['send', `http://127.0.0.1:${port}`, 'hi']);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `error: cannot reach http://127.0.0.1:${port}: connection refused (ECONNREFUSED)\n`);
    });

    test('names the card URL when there is no agent card, exit code 1', async () => {
      const run = await cli(['tasks', 'get', `${agent().url}/agents/nobody`, 't-1']);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `error: no agent card at ${agent().url}/agents/nobody/.well-known/agent-card.json (HTTP 404); pass the agent base URL or the full card URL\n`,
      );
    });

    test('rejects a malformed URL as bad usage, exit code 2', async () => {
      const run = await cli(['send', 'not a url', 'hi']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^error: invalid agent URL "not a url"/);
    });

    test('rejects a non-HTTP URL as bad usage', async () => {
      const run = await cli(['tasks', 'list', 'ftp://example.com']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /only http and https are supported/);
    });
  });

  describe('A2A errors', () => {
    test('prints the message, JSON-RPC code and reason over JSON-RPC and REST alike', async () => {
      for (const binding of ['jsonrpc', 'rest']) {
        const run = await cli(['tasks', 'cancel', agent().url, 'ghost', '--binding', binding]);
        assert.equal(run.code, 1, binding);
        assert.equal(run.stderr, 'error: Task not found: ghost (A2A -32001 TASK_NOT_FOUND)\n', binding);
      }
    });

    test('reports an error raised on a stream the same way, on every protocol and binding', async () => {
      const done = JSON.parse((await cli(['send', agent().url, 'finish', '--json'])).stdout) as { id: string };
      for (const protocol of ['1.0', '0.3']) {
        for (const binding of ['jsonrpc', 'rest']) {
          const run = await cli(['send', agent().url, 'more', '--task', done.id, '--stream', '--protocol', protocol, '--binding', binding]);
          assert.equal(run.code, 1, `${protocol} ${binding}`);
          assert.equal(run.stdout, '');
          assert.match(run.stderr, /^error: Task \S+ is in a terminal state .* \(A2A -32004 UNSUPPORTED_OPERATION\)\n$/, `${protocol} ${binding}`);
        }
      }
    });

    test('shows no stack trace unless AGENTMESH_DEBUG=1', async () => {
      const quiet = await cli(['tasks', 'get', agent().url, 'ghost']);
      assert.doesNotMatch(quiet.stderr, /\n\s+at /);
      const debug = await cli(['tasks', 'get', agent().url, 'ghost'], { env: { AGENTMESH_DEBUG: '1' } });
      assert.equal(debug.code, 1);
      assert.ok(debug.stderr.startsWith('error: Task not found: ghost (A2A -32001 TASK_NOT_FOUND)\n'));
      assert.match(debug.stderr, /\n\s+at /);
      assert.match(debug.stderr, /reason: 'TASK_NOT_FOUND'/);
    });
  });

  describe('bad usage exits with code 2 before any network call', () => {
    const cases: { name: string; argv: (url: string) => string[]; stderr: RegExp }[] = [
      { name: 'a missing argument', argv: () => ['send'], stderr: /^error: missing required argument 'url'/ },
      { name: 'an unknown option', argv: (u) => ['send', u, 'hi', '--bogus'], stderr: /^error: unknown option '--bogus'/ },
      { name: 'an unknown command', argv: () => ['sned'], stderr: /^error: unknown command 'sned'\n\(Did you mean send\?\)/ },
      { name: 'an unsupported --protocol', argv: (u) => ['send', u, 'hi', '--protocol', '2.0'], stderr: /argument '2\.0' is invalid\. Allowed choices are 1\.0, 0\.3/ },
      { name: 'an unsupported --binding', argv: (u) => ['send', u, 'hi', '--binding', 'soap'], stderr: /Allowed choices are jsonrpc, rest, grpc/ },
      { name: 'a non-numeric --timeout', argv: (u) => ['send', u, 'hi', '--timeout', 'soon'], stderr: /expected a positive integer \(milliseconds\)/ },
      { name: 'a header without a colon', argv: (u) => ['send', u, 'hi', '--header', 'novalue'], stderr: /expected "name: value"/ },
      { name: 'nothing to send', argv: (u) => ['send', u], stderr: /^error: nothing to send: give a text argument or --data <file\.json>\n$/ },
      { name: '--no-wait with --stream', argv: (u) => ['send', u, 'hi', '--stream', '--no-wait'], stderr: /^error: --no-wait does not apply to --stream\n$/ },
      { name: 'a --page-size over 100', argv: (u) => ['tasks', 'list', u, '--page-size', '500'], stderr: /expected an integer from 1 to 100/ },
      { name: 'a negative --history', argv: (u) => ['tasks', 'get', u, 't', '--history', '-1'], stderr: /expected a non-negative integer/ },
    ];
    for (const c of cases) {
      test(`rejects ${c.name}`, async () => {
        const from = agent().requests.length;
        const run = await cli(c.argv(agent().url));
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, c.stderr);
        assert.equal(run.stdout, '');
        assert.equal(agent().requests.length, from, 'no request reached the agent');
      });
    }

    test('rejects a --data file that does not exist', async () => {
      const run = await cli(['send', agent().url, '--data', join(dir(), 'missing.json')]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^error: cannot read --data .*missing\.json: no such file\n$/);
    });

    test('rejects a --data file that is not JSON', async () => {
      const file = join(dir(), 'broken.json');
      await writeFile(file, '{ "leads": [1, 2');
      const run = await cli(['send', agent().url, '--data', file]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^error: --data .*broken\.json is not valid JSON: /);
    });

    test('rejects invalid JSON on stdin for --data -', async () => {
      const run = await cli(['send', agent().url, '--data', '-'], { stdin: 'not json' });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^error: --data stdin is not valid JSON/);
    });
  });
});
