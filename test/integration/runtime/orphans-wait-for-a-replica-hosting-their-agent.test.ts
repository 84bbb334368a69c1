/**
 * An orphaned idempotent task of an agent only one replica hosts waits for
 * that replica while it was seen within `unhostedTaskGiveUpMs`, and is failed
 * after (ADR 0080): replicas on one SQLite file, each with its own
 * connection, as processes on one machine. The scenario is in
 * test/helpers/unhosted-orphans.ts; test/services runs it on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../../../src/storage/index.js';
import { unhostedOrphanTests } from '../../helpers/unhosted-orphans.js';

unhostedOrphanTests(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-orphans-'));
  return {
    open: () => createDatabase({ sqlitePath: join(dir, 'mesh.db') }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}, false);
