/**
 * The test runner's report holds the verdict of every test a file ran, though
 * it ends each file's process as soon as its tests have (forceExit): verdicts
 * travel over a pipe, and a process that exited with writes queued lost the
 * last of them now and then (a tier read 2,810 tests, then 2,800), so a
 * failing test could go unreported and the tier pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const TESTS = 2_000;
const RUN_TESTS = fileURLToPath(new URL('../../../scripts/run-tests.mjs', import.meta.url));

test(`a file of ${TESTS} tests reports ${TESTS} verdicts, run after run, under the runner's forced exit`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-verdicts-'));
  try {
    const file = join(dir, 'many.test.cjs');
    // Many short tests: their verdicts are written in a burst just before the exit, which is when they were lost.
    writeFileSync(file, `const { test } = require('node:test');\nfor (let i = 0; i < ${TESTS}; i++) test('t_' + i, () => {});\n`);
    // node:test's run() refuses to start files from inside a test file: a process of its own runs them with the
    // runner's options, five times (without the runner's stdout preload about two runs in three lost some: 1,953, 1,990).
    const runner = join(dir, 'count-verdicts.mjs');
    writeFileSync(
      runner,
      [
        `import { run } from 'node:test';`,
        `import { TEST_CHILD_EXEC_ARGV } from ${JSON.stringify(pathToFileURL(RUN_TESTS).href)};`,
        `const counts = [];`,
        `for (let round = 0; round < 5; round++) {`,
        `  let passed = 0, failed = 0;`,
        `  for await (const event of run({ files: [${JSON.stringify(file)}], forceExit: true, execArgv: TEST_CHILD_EXEC_ARGV, concurrency: 1 })) {`,
        `    if (event.type === 'test:pass' && event.data.name.startsWith('t_')) passed++;`,
        `    if (event.type === 'test:fail') failed++;`,
        `  }`,
        `  counts.push({ passed, failed });`,
        `}`,
        `process.stdout.write(JSON.stringify(counts));`,
      ].join('\n'),
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT'));
    const { stdout } = await promisify(execFile)(process.execPath, [runner], { cwd: join(RUN_TESTS, '..', '..'), env });
    assert.deepEqual(JSON.parse(stdout), Array.from({ length: 5 }, () => ({ passed: TESTS, failed: 0 })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
