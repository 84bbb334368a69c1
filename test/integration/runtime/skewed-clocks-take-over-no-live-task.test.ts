/**
 * Replicas whose wall clocks disagree take over no live task of each
 * other's, and still take over a silent one's: replicas on one SQLite file,
 * each with its own connection, as processes on one machine. The scenario is
 * in test/helpers/skewed-clock-takeovers.ts; test/services runs it on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../../../src/storage/index.js';
import { skewedClockTests } from '../../helpers/skewed-clock-takeovers.js';

skewedClockTests(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-skew-'));
  return {
    open: () => createDatabase({ sqlitePath: join(dir, 'mesh.db') }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}, false);
