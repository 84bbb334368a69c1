/**
 * The fleet a nemesis run faults: runtime replicas, each in its own process (fleet-runtime-child.ts),
 * and orchestrators (fleet-orchestrator-child.ts) whose workflows call the replicas' ledger agent,
 * on one PostgreSQL test schema and a private redis-server the fleet starts (so pausing or restarting
 * it touches no other test), each replica reaching both through TCP proxies of its own
 * (test/helpers/tcp-proxy.ts) so one replica can be cut off alone. Each replica's PostgreSQL sessions
 * carry an `application_name` of their own, so the nemesis can terminate exactly them. The nemesis kills, pauses
 * and restarts the processes and drives the proxies; the workload asks `url(node)` where a node
 * listens now (a restarted replica listens on a new port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from '../helpers/child-output.js';
import { freePort } from '../helpers/free-port.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { createTestSchema, uniqueStreamKey, type TestSchema } from '../helpers/services.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { TS_CHILD_ARGV } from '../helpers/typescript-child.js';
import { createDatabase, type Database } from '../../src/storage/index.js';
import { createLedger } from './ledger-agent.js';
import { createPaymentEffects } from './payments-agent.js';
import { fleetGatewayEnv } from '../helpers/child-gateway.js';
import { ADMIN_TOKEN } from '../helpers/gateway-fixture.js';
import { isolatedChildEnv } from '../helpers/isolated-cli-env.js';
import { startRegistry } from '../helpers/registry-fixture.js';

const CHILD = fileURLToPath(new URL('./fleet-runtime-child.ts', import.meta.url));
const ORCHESTRATOR_CHILD = fileURLToPath(new URL('./fleet-orchestrator-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The gateways' key-encryption secret: one deployment, so a token either gateway issues works on both. */
const GATEWAY_SECRET = 'nemesis-fleet-gateway-secret-0123456789';
/** The embedded mesh's database file, in the fleet's SQLite folder (fleet-runtime-child.ts opens it). */
export const SQLITE_FILE = 'mesh.db';
/**
 * Debian's libfaketime (package faketime): the clock-skew fault starts a node with it preloaded. Not through
 * the `faketime` command: it forks the program and waits, so a SIGKILL or SIGSTOP sent to it never reached
 * the node (a healed skewed node ran on beside its successor, a gateway's held its port).
 */
export const LIBFAKETIME = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/faketime/libfaketime.so.1`;

/** A runtime replica hosts the worker and ledger agents; the orchestrator runs the workflows whose steps call the ledger. */
export const FLEET_ROLES = ['runtime', 'orchestrator', 'gateway'] as const;
export type FleetRole = (typeof FLEET_ROLES)[number];

export interface FleetNode {
  readonly name: string;
  readonly role: FleetRole;
  /** In front of PostgreSQL and of Redis, for this replica alone. */
  readonly pg: TcpProxy;
  readonly redis: TcpProxy;
  /** Its PostgreSQL sessions' application_name. */
  readonly applicationName: string;
  child: ChildProcess | undefined;
  /** The worker agent's (an orchestrator's: the orchestrator agent's; a gateway's: its base) URL while the process runs. */
  url: string | undefined;
  /** A gateway's port and data directory, kept across restarts (it replays its answer journal from there). */
  readonly port?: number;
  readonly dataDir?: string;
  /** SIGSTOPped and not yet continued. */
  paused: boolean;
}

export interface RuntimeFleet {
  readonly schema: TestSchema;
  /** The embedded mesh: one replica on a SQLite file, no PostgreSQL, no Redis. */
  readonly sqlite: boolean;
  /** The fleet's database, opened by the test process (the final reads). */
  openDatabase(): Promise<Database>;
  readonly stream: string;
  readonly nodes: readonly FleetNode[];
  /** The nodes of one role. */
  nodesOf(role: FleetRole): FleetNode[];
  /** The private redis-server's port (the proxies' target). */
  readonly redisPort: number;
  node(name: string): FleetNode;
  /** kill -9 of the private redis-server; its stream is gone (no persistence). */
  stopRedis(): Promise<void>;
  /** Starts the private redis-server again, on the same port. */
  startRedis(): Promise<void>;
  /** Starts the node's process (again); `skew` (faketime's offset, `+30s`) runs it under faketime with the monotonic clock left real. */
  start(name: string, options?: { skew?: string }): Promise<void>;
  /** kill -9, awaited. */
  kill(name: string): Promise<void>;
  /** SIGSTOP or SIGCONT. */
  signal(name: string, signal: 'SIGSTOP' | 'SIGCONT'): void;
  close(): Promise<void>;
}

/**
 * Starts `replicas` runtime replicas (`runtime-1`…), the first alone (it migrates the new schema),
 * the others side by side; `extraEnv` goes to every process (a test-only switch); with `logDir`, each
 * replica logs at info to `<logDir>/<name>.log`.
 */
export async function startRuntimeFleet(options: { replicas: number; orchestrators?: number; gateways?: number; gatewayTokenTtlSeconds?: number; extraEnv?: Record<string, string>; logDir?: string; sqlite?: boolean }): Promise<RuntimeFleet> {
  const sqlite = options.sqlite === true;
  if (sqlite && options.replicas !== 1) throw new Error('the embedded SQLite mesh is one process: replicas must be 1');
  if (sqlite && (options.orchestrators ?? 0) > 0) throw new Error('the embedded SQLite mesh has no orchestrator process');
  // SQLite: the file and the data dir outlive each process of the replica, as on a host's disk.
  const sqliteDir = sqlite ? mkdtempSync(join(tmpdir(), 'agentmesh-nemesis-sqlite-')) : undefined;
  // The runtime replicas' worker URLs as they are now, for the orchestrator to call (fleet-orchestrator-child.ts).
  const fleetDir = mkdtempSync(join(tmpdir(), 'agentmesh-nemesis-fleet-'));
  const agentUrlsFile = join(fleetDir, 'agent-urls.json');
  const publishUrls = (): void => {
    const temporary = `${agentUrlsFile}.next`;
    writeFileSync(temporary, JSON.stringify(nodes.filter((n) => n.role === 'runtime' && n.url !== undefined).map((n) => n.url)));
    renameSync(temporary, agentUrlsFile);
  };
  const schema = await createTestSchema();
  const stream = uniqueStreamKey();
  const nodes: FleetNode[] = [];
  const databaseUrl = new URL(schema.url);
  const redisPort = await freePort();
  let redis: ChildProcess | undefined;
  // Gateways route by the registry the runtimes register their agents in; it lives in the test process (no fault reaches it).
  const gateways = options.gateways ?? 0;
  if (sqlite && gateways > 0) throw new Error('the embedded SQLite mesh has no gateway process');
  const registry = gateways > 0 ? await startRegistry({ probeIntervalMs: 200 }) : undefined;
  const gatewayPublicUrl = { url: '' };

  const node = (name: string): FleetNode => {
    const found = nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no node ${name}`);
    return found;
  };

  const start = async (name: string, startOptions: { skew?: string } = {}): Promise<void> => {
    const n = node(name);
    if (n.child) throw new Error(`${name} still runs`);
    const env = {
      ...process.env,
      ...options.extraEnv,
      AGENTMESH_TEST_DATABASE_URL: databaseUrlOf(databaseUrl, n.pg.port, n.applicationName),
      AGENTMESH_TEST_REDIS_URL: `redis://127.0.0.1:${n.redis.port}`,
      AGENTMESH_TEST_STREAM: stream,
      AGENTMESH_TEST_AGENT_URLS: agentUrlsFile,
      ...(options.logDir === undefined ? {} : { AGENTMESH_TEST_LOG_FILE: join(options.logDir, `${name}.log`) }),
      ...(sqliteDir === undefined ? {} : { AGENTMESH_TEST_SQLITE_DIR: sqliteDir }),
      ...(registry === undefined ? {} : { AGENTMESH_TEST_REGISTRY_URL: registry.url }),
      ...(startOptions.skew === undefined ? {} : skewEnv(startOptions.skew)),
    };
    const script = n.role === 'runtime' ? [CHILD] : n.role === 'orchestrator' ? [ORCHESTRATOR_CHILD] : ['src/cli/bin.ts', 'serve', 'gateway', '--port', String(n.port), '--data-dir', n.dataDir!];
    const argv = [process.execPath, ...TS_CHILD_ARGV, ...script];
    const childEnv = n.role === 'gateway' ? isolatedChildEnv({ ...gatewayEnvOf(n), ...(startOptions.skew === undefined ? {} : skewEnv(startOptions.skew)) }) : env;
    const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    n.child = child;
    n.paused = false;
    child.once('exit', () => {
      if (n.child === child) {
        n.child = undefined;
        n.url = undefined;
        if (n.role === 'runtime') publishUrls();
      }
    });
    if (n.role === 'gateway') {
      // A gateway is the CLI's `serve gateway`: it logs to its stdout, kept beside the replicas' logs.
      if (options.logDir !== undefined) {
        const log = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
        child.stdout?.pipe(log, { end: false });
        child.stderr?.pipe(log, { end: false });
        child.once('exit', () => log.end());
      }
      await waitForOutput(child, /gateway listening on /, name);
      n.url = `http://127.0.0.1:${n.port}`;
      return;
    }
    const line = await waitForOutput(child, /^(\{.*\})$/m, `${name}`);
    const ready = JSON.parse(line) as { agents: Record<string, string> };
    n.url = n.role === 'runtime' ? ready.agents.worker : ready.agents.orchestrator;
    if (n.role === 'runtime') publishUrls();
  };

  const gatewayEnvOf = (n: FleetNode): Record<string, string> => ({
    // A test-only switch reaches the gateways too (charge-twice breaks them).
    ...options.extraEnv,
    HOST: '127.0.0.1',
    GATEWAY_PUBLIC_URL: gatewayPublicUrl.url,
    // An approved call a killed gateway left half-sent is sent again by the other this long and 30 s later: within a run's final phase.
    GATEWAY_REQUEST_TIMEOUT_MS: '20000',
    ...(options.gatewayTokenTtlSeconds === undefined ? {} : { GATEWAY_TOKEN_TTL_SECONDS: String(options.gatewayTokenTtlSeconds) }),
    ...fleetGatewayEnv({ databaseUrl: databaseUrlOf(databaseUrl, n.pg.port, n.applicationName), redisUrl: `redis://127.0.0.1:${n.redis.port}`, secret: GATEWAY_SECRET, adminToken: ADMIN_TOKEN, registryUrl: registry!.url }),
  });

  const kill = async (name: string): Promise<void> => {
    const n = node(name);
    const child = n.child;
    if (!child) return;
    n.url = undefined;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    n.child = undefined;
    n.paused = false;
    if (n.role === 'runtime') publishUrls();
  };

  const close = async (): Promise<void> => {
    for (const n of nodes) {
      if (n.paused) n.child?.kill('SIGCONT');
      await stopChild(n.child, 'SIGKILL');
      await n.pg.close();
      await n.redis.close();
    }
    await stopChild(redis);
    await registry?.close();
    for (const n of nodes) if (n.dataDir !== undefined) rmSync(n.dataDir, { recursive: true, force: true });
    await schema.drop();
    if (sqliteDir !== undefined) rmSync(sqliteDir, { recursive: true, force: true });
    rmSync(fleetDir, { recursive: true, force: true });
  };

  try {
    redis = await startRedisServer(redisPort);
    publishUrls();
    const roles: Array<[FleetRole, number]> = [['runtime', options.replicas], ['orchestrator', options.orchestrators ?? 0], ['gateway', gateways]];
    for (const [role, count] of roles) {
      for (let i = 1; i <= count; i++) {
        const pg = await startTcpProxy(Number(databaseUrl.port || 5432), databaseUrl.hostname);
        const redisProxy = await startTcpProxy(redisPort);
        const name = `${role}-${i}`;
        // A gateway restarts on its port (the deployment's public URL is the first one's) and its data directory.
        const gateway = role === 'gateway' ? { port: await freePort(), dataDir: mkdtempSync(join(tmpdir(), `agentmesh-nemesis-${name}-`)) } : {};
        nodes.push({ name, role, pg, redis: redisProxy, applicationName: `${schema.name}-${name}`, child: undefined, url: undefined, paused: false, ...gateway });
      }
    }
    const firstGateway = nodes.find((n) => n.role === 'gateway');
    if (firstGateway !== undefined) gatewayPublicUrl.url = `http://127.0.0.1:${firstGateway.port}`;
    await start(nodes[0]!.name);
    // The ledgers the workflow steps and the approved payments write to: the test's own tables, beside agentmesh's (migrated by the first replica).
    if (!sqlite) {
      const database = await createDatabase({ url: schema.url, poolSize: 1 });
      await createLedger(database.db)
        .then(() => createPaymentEffects(database.db))
        .finally(() => database.close());
    }
    await Promise.all(nodes.slice(1).filter((n) => n.role !== 'gateway').map((n) => start(n.name)));
    // The first gateway creates the deployment's signing key; the others load it.
    const gatewayNodes = nodes.filter((n) => n.role === 'gateway');
    if (gatewayNodes.length > 0) await start(gatewayNodes[0]!.name);
    await Promise.all(gatewayNodes.slice(1).map((n) => start(n.name)));
  } catch (err) {
    await close();
    throw err;
  }

  return {
    schema,
    sqlite,
    openDatabase: () => (sqliteDir === undefined ? createDatabase({ url: schema.url, poolSize: 4 }) : createDatabase({ sqlitePath: join(sqliteDir, SQLITE_FILE) })),
    stream,
    nodes,
    nodesOf: (role) => nodes.filter((n) => n.role === role),
    redisPort,
    node,
    async stopRedis() {
      await stopChild(redis);
      redis = undefined;
    },
    async startRedis() {
      redis ??= await startRedisServer(redisPort);
    },
    start,
    kill,
    signal(name, signal) {
      const n = node(name);
      if (!n.child) return;
      n.child.kill(signal);
      n.paused = signal === 'SIGSTOP';
    },
    close,
  };
}

/** The environment that runs a node `skew` (`+20s`) ahead: wall clock only, its monotonic clock left real. */
function skewEnv(skew: string): Record<string, string> {
  if (!existsSync(LIBFAKETIME)) throw new Error(`the clock-skew fault needs ${LIBFAKETIME}: sudo apt-get install faketime`);
  return { LD_PRELOAD: LIBFAKETIME, FAKETIME: skew, FAKETIME_DONT_FAKE_MONOTONIC: '1', DONT_FAKE_MONOTONIC: '1' };
}

function databaseUrlOf(url: URL, port: number, applicationName: string): string {
  const copy = new URL(url);
  copy.port = String(port);
  copy.searchParams.set('application_name', applicationName);
  return copy.toString();
}
