/**
 * A runtime replica of the nemesis fleet in its own process, so the nemesis can kill it with
 * SIGKILL, pause it with SIGSTOP or start it under faketime. It joins the PostgreSQL schema and
 * Redis stream the environment names (each through the fault proxies the test put in front of
 * them), hosts the `worker` agent (and the `ledger` agent the workflow steps call, the priced `billed` one, and `payments`, whose calls wait for an approval), and prints one JSON line `{ agents, replicaId }` once it listens.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWriteStream } from 'node:fs';
import { createLogger } from '../../src/observability/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { RedisBus, createDatabase } from '../../src/storage/index.js';
import { FLEET_STORAGE_SECRET } from '../helpers/runtime-replica.js';
import { ledgerAgent } from './ledger-agent.js';
import { paymentsAgent } from './payments-agent.js';
import { billedAgent, workerAgent } from './worker-agent.js';

const databaseUrl = process.env.AGENTMESH_TEST_DATABASE_URL;
const redisUrl = process.env.AGENTMESH_TEST_REDIS_URL;
const stream = process.env.AGENTMESH_TEST_STREAM;
// AGENTMESH_TEST_REGISTRY_URL: the fleet has gateways; the replica registers its agents there so they route to it.
const registryUrl = process.env.AGENTMESH_TEST_REGISTRY_URL;
if (!databaseUrl || !redisUrl || !stream) throw new Error('AGENTMESH_TEST_DATABASE_URL, AGENTMESH_TEST_REDIS_URL and AGENTMESH_TEST_STREAM are required');

// AGENTMESH_TEST_LOG_FILE: the replica's log at info, appended to that file (to read why a run failed).
const logFile = process.env.AGENTMESH_TEST_LOG_FILE;
const logger = logFile === undefined ? undefined : createLogger({ level: 'info', destination: createWriteStream(logFile, { flags: 'a' }) });

// AGENTMESH_TEST_SQLITE_DIR: the embedded mesh, on a SQLite file and a data dir that outlive the process.
const sqliteDir = process.env.AGENTMESH_TEST_SQLITE_DIR;
const database = sqliteDir === undefined ? await createDatabase({ url: databaseUrl, poolSize: 4 }) : await createDatabase({ sqlitePath: join(sqliteDir, 'mesh.db') });
const bus = sqliteDir === undefined ? await RedisBus.connect({ url: redisUrl, stream }) : undefined;
const runtime = await createRuntime({
  // The ledger agent writes the workflow steps' effects to the test's table, the billed one is what the
  // credits workload calls through the gateways, payments what the approvals workload's approved calls
  // reach (SQLite: the task workload alone).
  agents: sqliteDir === undefined ? [workerAgent, ledgerAgent(database.db), billedAgent, paymentsAgent(database.db)] : [workerAgent],
  // A short lease: a killed replica's tasks are taken over within seconds, so every task is
  // terminal soon after the last heal. Dev mode and 127.0.0.1 allowed: the test's webhook listens there.
  config: { port: 0, host: '127.0.0.1', dataDir: sqliteDir ?? mkdtempSync(join(tmpdir(), 'agentmesh-nemesis-')), logLevel: 'silent', replicaTtlMs: 2000, heartbeatMs: 400, storageSecret: FLEET_STORAGE_SECRET, dev: true, allowHosts: ['127.0.0.1'], ...(registryUrl === undefined ? {} : { registryUrl }) },
  database,
  ...(bus === undefined ? {} : { bus }),
  ...(logger === undefined ? {} : { logger }),
});
// The test holds this pipe: when its process ends, however it ends, this replica goes with it.
process.stdin.on('end', () => process.exit(0)).resume();
const { agents } = await runtime.listen();
process.stdout.write(`${JSON.stringify({ agents, replicaId: runtime.replicaId })}\n`);
