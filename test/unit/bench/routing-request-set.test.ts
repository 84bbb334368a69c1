import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRequestSet } from '../../../bench/routing/request-set.js';

async function withSet(lines: string[], check: (file: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'request-set-'));
  try {
    const file = join(dir, 'set.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    check(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('routing request sets', () => {
  test('a request may list several right agents; the first is its expected answer', async () => {
    await withSet(['{"text":"sort contacts by how likely they are to buy","expected":["lead-scorer","audience-architect"],"note":"either"}', '{"text":"book a flight","expected":"none","note":"n"}'], (file) => {
      const [two, none] = readRequestSet(file);
      assert.equal(two!.expected, 'lead-scorer');
      assert.deepEqual(two!.accepted, ['lead-scorer', 'audience-architect']);
      assert.deepEqual(none!.accepted, ['none']);
    });
  });

  test('a list mixing "none", "ask" or a workflow with agents, an empty list or a missing note fails the read with its line', async () => {
    for (const bad of ['{"text":"x","expected":["none","hr"],"note":"n"}', '{"text":"x","expected":[],"note":"n"}', '{"text":"x","expected":["hr","workflow:w"],"note":"n"}', '{"text":"x","expected":"hr"}', 'not json']) {
      await withSet(['{"text":"fine","expected":"hr","note":"n"}', bad], (file) => assert.throws(() => readRequestSet(file), /set\.jsonl:2: /));
    }
  });

  test('the shipped sets read, and no request of an evaluation set is in the tuning or calibration set', () => {
    const read = (name: string) => readRequestSet(new URL(`../../../eval/routing/${name}.jsonl`, import.meta.url));
    const evaluation = new Set([...read('requests'), ...read('paraphrases')].map((r) => r.text.toLowerCase()));
    const apart = [...read('tuning'), ...read('calibration')].map((r) => r.text.toLowerCase());
    assert.ok(read('paraphrases').filter((r) => r.expected !== 'none').length >= 80);
    assert.deepEqual(apart.filter((t) => evaluation.has(t)), []);
  });
});
