/**
 * TEST_CPU=1's record of a test file (scripts/test-child-cpu.mjs) counts the CPU of the processes the file
 * started and reaped, not only its own: most of what the slowest files spend is in the roles and CLIs
 * they start, and a figure without them would rank the files wrongly. A process the file starts with
 * the same preload writes no record of its own: one file, one record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const HOOK = fileURLToPath(new URL('../../../scripts/test-child-cpu.mjs', import.meta.url));

test("a file's record holds its reaped child's CPU, and the child writes none of its own", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-test-cpu-'));
  try {
    const records = join(dir, 'records');
    const file = join(dir, 'spawns.mjs');
    // The child spins for 400 ms of its own CPU (not wall time: a loaded host stretches that).
    writeFileSync(
      file,
      [
        `import { spawnSync } from 'node:child_process';`,
        // Arithmetic between the reads of the clock, so the spin is user time, not the reads' system calls.
        `const spin = 'let x = 0; const end = process.cpuUsage().user + 400_000; while (process.cpuUsage().user < end) for (let i = 0; i < 1e5; i++) x += i;';`,
        `const child = spawnSync(process.execPath, ['--import', ${JSON.stringify(HOOK)}, '-e', spin], { stdio: 'inherit' });`,
        `if (child.status !== 0) process.exit(1);`,
      ].join('\n'),
    );
    mkdirSync(records);
    await promisify(execFile)(process.execPath, ['--import', HOOK, file], { env: { ...process.env, TEST_CPU_DIR: records } });
    const written = readdirSync(records).map((name) => JSON.parse(readFileSync(join(records, name), 'utf8')) as { file: string; user: number; system: number; childrenUser: number; childrenSystem: number });
    assert.equal(written.length, 1, JSON.stringify(written));
    const [record] = written;
    assert.equal(record!.file, file);
    // /proc counts in hundredths of a second: 400 ms spun is at least 0.39 s however the ticks fall.
    assert.ok(record!.childrenUser >= 0.39, JSON.stringify(record));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
