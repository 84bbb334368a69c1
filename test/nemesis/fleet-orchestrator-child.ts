/**
 * The orchestrator of the nemesis fleet in its own process (killed, paused, cut off like a runtime
 * replica). It runs on the fleet's PostgreSQL schema and Redis stream through proxies of its own, and
 * calls the `ledger` agent directly on the runtime replicas: their URLs change as they restart, so
 * it reads them on every attempt from the file the fleet rewrites (AGENTMESH_TEST_AGENT_URLS), in
 * turn. Prints one JSON line `{ url }` once it listens.
 */
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentCaller, createOrchestrator } from '../../src/compose/orchestrator-entry.js';
import { createLogger } from '../../src/observability/index.js';
import { RedisBus, createDatabase } from '../../src/storage/index.js';
import { FLEET_STORAGE_SECRET } from '../helpers/runtime-replica.js';

const databaseUrl = process.env.AGENTMESH_TEST_DATABASE_URL;
const redisUrl = process.env.AGENTMESH_TEST_REDIS_URL;
const stream = process.env.AGENTMESH_TEST_STREAM;
const urlsFile = process.env.AGENTMESH_TEST_AGENT_URLS;
if (!databaseUrl || !redisUrl || !stream || !urlsFile) throw new Error('AGENTMESH_TEST_DATABASE_URL, AGENTMESH_TEST_REDIS_URL, AGENTMESH_TEST_STREAM and AGENTMESH_TEST_AGENT_URLS are required');
const logFile = process.env.AGENTMESH_TEST_LOG_FILE;
const logger = logFile === undefined ? undefined : createLogger({ level: 'info', destination: createWriteStream(logFile, { flags: 'a' }) });

// The replicas' database and bus stream: the orchestrator's runtime is one more peer of theirs.
const database = await createDatabase({ url: databaseUrl, poolSize: 4 });
const bus = await RedisBus.connect({ url: redisUrl, stream });
let turn = 0;
const orchestrator = await createOrchestrator({
  caller: createAgentCaller({
    directUrl: (agent: string) => {
      const urls: unknown = JSON.parse(readFileSync(urlsFile, 'utf8'));
      const live = Array.isArray(urls) ? urls.filter((u): u is string => typeof u === 'string') : [];
      if (live.length === 0) throw new Error(`no replica of ${agent} runs`);
      return `${live[turn++ % live.length]!}`.replace(/\/worker$/, `/${agent}`);
    },
  }),
  database,
  bus,
  ...(logger === undefined ? {} : { logger }),
  config: {
    // The same short lease as the runtime replicas: a killed orchestrator's runs are resumed within seconds of its restart.
    // Dev mode and 127.0.0.1 allowed as on the replicas: its runtime shares their push outbox, and delivers to the test's webhook too.
    runtime: { port: 0, host: '127.0.0.1', dataDir: mkdtempSync(join(tmpdir(), 'agentmesh-nemesis-orchestrator-')), logLevel: 'silent', replicaTtlMs: 2000, heartbeatMs: 400, storageSecret: FLEET_STORAGE_SECRET, dev: true, allowHosts: ['127.0.0.1'] },
  },
});
// The test holds this pipe: when its process ends, however it ends, this orchestrator goes with it.
process.stdin.on('end', () => process.exit(0)).resume();
const { url } = await orchestrator.listen();
process.stdout.write(`${JSON.stringify({ agents: { orchestrator: url } })}\n`);
