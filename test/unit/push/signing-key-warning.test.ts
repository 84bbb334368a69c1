import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadSigningKey } from '../../../src/runtime/push/signing-keys.js';
import { memoryDestination } from '../../helpers/memory-log.js';

// `agentmesh up` hosts two runtimes on one data dir: the generated-key warning is printed once, not once per runtime.
test('the generated push key warning is logged once per key file and process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-key-warning-'));
  const { stream, lines } = memoryDestination();
  const logger = pino({ level: 'warn' }, stream);
  try {
    const file = join(dir, 'signing-key.json');
    const first = await loadSigningKey({ file, logger });
    const second = await loadSigningKey({ file, logger });
    assert.equal(first.kid, second.kid, 'one key, read back');
    assert.equal(lines.filter((l) => l.includes('using a generated key')).length, 1);
    await loadSigningKey({ file: join(dir, 'other-key.json'), logger });
    assert.equal(lines.filter((l) => l.includes('using a generated key')).length, 2, 'another file is another warning');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
