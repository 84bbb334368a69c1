#!/usr/bin/env node
/**
 * `npm run test:history`: the history checker's proofs (the default tier's test/history part,
 * scripts/run-tests.mjs); with nemesis flags, nemesis runs on a fleet instead (test/nemesis/run.ts,
 * needing PostgreSQL and Redis as the services tier does):
 *
 *   npm run test:history                                   the checker's proofs
 *   npm run test:history -- --seeds 3 --fault-seconds 20   three nemesis runs, 20 s per fault
 *
 * Nemesis flags: --seeds N, --seed S, --fault-seconds S, --periods N, --faults a,b, --out DIR, --break NAME, --logs, --sqlite, --no-asking
 * (test/nemesis/README.md). Other flags go to run-tests.mjs (--test-name-pattern=…).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NEMESIS_FLAGS = /^--(?:seeds|seed|fault-seconds|periods|faults|out|break|logs|sqlite|asking|no-asking)(?:=|$)/;
const args = process.argv.slice(2);
const nemesis = args.some((arg) => NEMESIS_FLAGS.test(arg));
const command = nemesis
  ? [process.execPath, ['--import', join(root, 'scripts', 'ts-hooks.mjs'), join(root, 'test', 'nemesis', 'run.ts'), ...args]]
  : [process.execPath, [join(root, 'scripts', 'run-tests.mjs'), 'default', 'test/history', ...args]];
const { status, signal } = spawnSync(command[0], command[1], { cwd: root, stdio: 'inherit' });
process.exitCode = status ?? (signal ? 1 : 0);
