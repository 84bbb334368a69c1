import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { TS_CHILD_ARGV } from '../helpers/typescript-child.js';
import type { HistoryOp } from './history-format.js';
import { INJECTORS } from './simulation/inject-anomaly.js';
import { simulateRun } from './simulation/simulated-run.js';

const CHECK = join(import.meta.dirname, 'check.ts');
const run = promisify(execFile);

async function check(path: string, ...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...TS_CHILD_ARGV, CHECK, path, ...flags]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('the check.ts command', () => {
  let dir: string;
  const write = (name: string, ops: HistoryOp[] | string): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof ops === 'string' ? ops : ops.map((op) => `${JSON.stringify(op)}\n`).join(''));
    return path;
  };
  const valid = simulateRun({ seed: 11, clients: 4, operations: 80, pInfo: 0.1, pFail: 0.05, faults: 2 });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'history-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the counts and every property, and exits 0 on a valid history', async () => {
    const { code, stdout } = await check(write('valid.jsonl', valid));
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^History: \d+ invocations; completions \d+ ok, \d+ fail, \d+ info;/);
    assert.match(stdout, /^ {2}send {9}ok \d+, fail \d+, info \d+$/m);
    for (const name of ['task-state', 'task-events', 'push', 'workflow', 'credits', 'approvals', 'fault-liveness']) assert.match(stdout, new RegExp(`^PASS +${name}: `, 'm'));
    assert.match(stdout, /Verdict: valid\n$/);
  });

  it('names the property, the kind and the operations of an anomaly, and exits 1', async () => {
    const injected = INJECTORS['double charge']!(valid, () => 0)!;
    const { code, stdout } = await check(write('charged-twice.jsonl', injected.ops));
    assert.equal(code, 1, stdout);
    assert.match(stdout, /^FAIL +credits: .*\n +double-charge \[tenant-\d\] ops \d+(, \d+)*: call call-\d+ was charged 2 times/m);
    assert.match(stdout, /Verdict: invalid\n$/);
  });

  it('exits 2, not 0, when the search runs out of budget', async () => {
    const { code, stdout } = await check(write('budget.jsonl', valid), '--max-steps=1');
    assert.equal(code, 2, stdout);
    assert.match(stdout, /^UNKNOWN task-state: .*\n +note: task task-\d+: unknown: search budget exhausted: 1 steps/m);
    assert.match(stdout, /Verdict: unknown\n$/);
  });

  it('exits 3 on a file that is not a history', async () => {
    const { code, stderr } = await check(write('broken.jsonl', '{"index":0,"time":0}\n'));
    assert.equal(code, 3);
    assert.match(stderr, /broken\.jsonl: line 1: not a history op/);
  });
});
