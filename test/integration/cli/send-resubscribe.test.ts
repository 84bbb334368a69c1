/**
 * `agentmesh send --stream` outlives a stream that breaks before its task
 * ends (the replica serving it died, a proxy cut the connection): it follows
 * the task again with SubscribeToTask, says so, and ends with the task. A
 * task that ended while the stream was down is read and printed as it ended.
 * `--no-resubscribe` keeps the old behaviour, with the command that follows it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../helpers/free-port.js';
import { startRuntime } from '../../helpers/runtime-fixture.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { Capture, cli } from './cli-harness.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

/** Each run waits, after its first progress event, until the test releases it. */
const waiting: Array<() => void> = [];
const stepper = oneSkillAgent({ name: 'stepper', description: 'Works in two steps' }, 'steps', {
  description: 'Reports a step, waits to be released, then finishes',
  handler: async (_: string, ctx) => {
    ctx.progress('step 1 of 2');
    await new Promise<void>((resolve) => waiting.push(resolve));
    ctx.artifact({ name: 'result', parts: [{ text: 'both steps done' }] });
  },
});

describe('agentmesh send --stream when its stream breaks', () => {
  let host: Awaited<ReturnType<typeof startRuntime>>;
  let proxy: TcpProxy;
  let url: string;

  before(async () => {
    // Clients reach the agent through a TCP proxy the test can cut: its card names the proxy.
    const port = await freePort();
    proxy = await startTcpProxy(port);
    url = `http://127.0.0.1:${proxy.port}`;
    host = await startRuntime([stepper], { port, publicUrl: url });
  });
  after(async () => {
    for (const release of waiting.splice(0)) release();
    await host?.close();
    await proxy?.close();
  });

  /** Starts a send, waits for the first step, cuts every connection; returns the running CLI. */
  async function sendThenCut(extra: string[] = []) {
    const stdout = new Capture();
    const stderr = new Capture();
    const before = waiting.length;
    const run = cli(['send', url, 'go', '--stream', ...extra], { stdout, stderr });
    await stdout.waitFor('step 1 of 2');
    while (waiting.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
    proxy.reset();
    return { run, stdout, stderr };
  }

  test('follows the task again and ends with it', async () => {
    const { run, stdout, stderr } = await sendThenCut();
    await stderr.waitFor('resubscribing');
    // The task goes on on the agent; released once the CLI is following it again.
    await stdout.waitFor('working');
    waiting.pop()!();
    const result = await run;
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /the stream of task \S+ broke \(.+\); resubscribing in 250 ms \(attempt 1 of \d+\)/);
    assert.match(result.stdout, /both steps done/);
    assert.match(result.stdout, /completed/i);
  });

  test('a task that ended while the stream was down is printed as it ended', async () => {
    const { run, stdout } = await sendThenCut();
    // Ends before the CLI resubscribes (it waits 250 ms first).
    waiting.pop()!();
    const result = await run;
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(stdout.text, /both steps done/);
  });

  test('--no-resubscribe fails, naming the command that follows the task', async () => {
    const { run } = await sendThenCut(['--no-resubscribe']);
    const result = await run;
    waiting.pop()?.();
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /the stream of task (\S+) broke .*; follow it with: agentmesh tasks watch http:\/\/127\.0\.0\.1:\d+ \1/);
  });
});
