import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { servingContext } from '../../../src/cli/serving/serving-output.js';
import type { CliContext } from '../../../src/cli/index.js';

function context(env: Record<string, string | undefined>): { ctx: CliContext; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = { io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env }, setExitCode: () => undefined };
  return { ctx: servingContext(ctx), out, err };
}

describe("a serving command's own lines", () => {
  test('are written as they are for people by default', () => {
    const { ctx, out, err } = context({});
    ctx.io.stdout.write('agentmesh registry listening on http://localhost:4100\n');
    ctx.io.stderr.write('SIGTERM: draining…\n');
    assert.deepEqual(out, ['agentmesh registry listening on http://localhost:4100\n']);
    assert.deepEqual(err, ['SIGTERM: draining…\n']);
  });

  test('with LOG_FORMAT=json, each line is a JSON log entry, levelled by what it says, in its own stream', () => {
    const { ctx, out, err } = context({ LOG_FORMAT: 'json' });
    ctx.io.stdout.write('agentmesh registry listening on http://localhost:4100\n  agents http://localhost:4100/v1/agents\n\n');
    ctx.io.stdout.write('a line written ');
    assert.equal(out.length, 1, 'a partial line waits for its end');
    ctx.io.stdout.write('in two parts\n');
    ctx.io.stderr.write('warning: REGISTRY_TOKEN is not set\nSIGTERM: draining…\n');
    const entries = (lines: string[]) => lines.join('').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const stdout = entries(out);
    assert.deepEqual(stdout.map((e) => e['msg']), ['agentmesh registry listening on http://localhost:4100', '  agents http://localhost:4100/v1/agents', 'a line written in two parts']);
    for (const e of stdout) {
      assert.equal(e['level'], 30);
      assert.equal(e['name'], 'agentmesh');
      assert.equal(e['component'], 'cli');
      assert.equal(typeof e['time'], 'number');
    }
    assert.deepEqual(entries(err).map((e) => [e['level'], e['msg']]), [[40, 'warning: REGISTRY_TOKEN is not set'], [30, 'SIGTERM: draining…']]);
  });

  test("read the context's env as it is when they run, not as it was when the command was built", () => {
    // The CLI builds its commands, then reads the secrets of GATEWAY_ADMIN_TOKEN_FILE and the like
    // into the env: a serving command must start its role with them.
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} as Record<string, string | undefined> };
    const ctx = servingContext({ io, setExitCode: () => undefined });
    io.env = { GATEWAY_ADMIN_TOKEN: 'read-from-a-file-after-the-build' };
    assert.equal(ctx.io.env['GATEWAY_ADMIN_TOKEN'], 'read-from-a-file-after-the-build');
  });
});
