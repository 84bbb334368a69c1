import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defineAgent } from 'agentmesh';
import { resolveCliIO } from '../../../src/cli/io/cli-io.js';
import { startAgents } from '../../../src/cli/serving/serve-agents.js';
import { Capture } from './cli-harness.js';
import { oneSkillAgent } from '../../helpers/one-skill-agent.js';

/*
 * The `Try:` line `agent serve` prints works exactly as
 * printed, for a skill that takes data as well as one that takes text.
 */
const run = promisify(execFile);
const repo = new URL('../../../', import.meta.url).pathname;

const counter = oneSkillAgent({ name: 'counter', description: 'Counts what it is given' }, 'count', {
  description: 'Counts the items',
  examples: ['{"items":["a","b","c"]}'],
  input: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'string' } } } },
  handler: ({ items }) => ({ count: items.length }),
});
const greeter = defineAgent({
  card: { name: 'greeter', description: 'Greets' },
  skills: { greet: { description: 'Greets a name', examples: ['Ada'], handler: (name: string) => `hello, ${name}` } },
});

describe('the Try line agent serve prints', () => {
  const dirs: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers) await close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const serve = async (agent: typeof counter) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'agentmesh-try-'));
    dirs.push(dataDir);
    const stdout = new Capture();
    const runtime = await startAgents({ io: resolveCliIO({ stdout, stderr: new Capture(), env: {} }), setExitCode: () => undefined }, [agent], { port: '0', host: '127.0.0.1', dataDir });
    closers.push(() => runtime.close());
    const line = /^Try: (.*)$/m.exec(stdout.text)?.[1];
    assert.ok(line, stdout.text);
    return line;
  };

  for (const [agent, expected] of [
    [counter, /"count": ?3|count\s+3|3/],
    [greeter, /hello, Ada/],
  ] as const) {
    test(`${agent.name}: the printed command runs as printed and completes`, async () => {
      const line = await serve(agent);
      const { stdout } = await run('sh', ['-c', `${line} --json`], { cwd: repo });
      const task = JSON.parse(stdout) as { status: { state: string } };
      assert.equal(task.status.state, 'TASK_STATE_COMPLETED', stdout);
      assert.match(stdout, expected);
    });
  }
});
