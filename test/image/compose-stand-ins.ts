/**
 * The services of deploy/compose/compose.yaml whose images cannot be had
 * without a registry (postgres:17, redis:7, PgBouncer's debian base, the
 * OpenTelemetry collector), provided on the host as compose.yaml configures
 * them, for test/image/compose.test.ts:
 *
 * - postgres: the host's PostgreSQL, a database of the run's own, its roles made
 *   by deploy/postgres/roles.sql with the schema initdb-roles.sh names and a
 *   per-run prefix (roles belong to the server: docs/deploy.md);
 * - pgbouncer: Debian's pgbouncer (the package the PgBouncer image installs)
 *   with compose's pgbouncer.ini, only its addresses and files changed;
 * - redis: redis-server with compose's own command;
 * - otel-collector: an OTLP/HTTP sink that counts what it receives.
 *
 * The containers reach each at its compose port on the network's gateway
 * address, through socat: the host's services listen on loopback. The
 * secrets make-secrets.sh wrote name compose's roles (agentmesh_app,
 * agentmesh_migrator) and database: they are rewritten to the run's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../helpers/free-port.js';
import { DATABASE_URL } from '../helpers/services.js';
import type { readCompose, StandIn } from './compose-runner.js';

type ComposeFile = ReturnType<typeof readCompose>;

export interface HostServices {
  standIns: Record<string, StandIn>;
  /** The database and role prefix of the run. */
  database: string;
  /** OTLP/HTTP requests the collector stand-in received, by path. */
  otlpRequests(): Record<string, number>;
  close(): Promise<void>;
}

/** uid and gid of `nobody` on Debian: PgBouncer refuses to run as root. */
const NOBODY = 65534;

/** Runs a command to completion; resolves to its output, rejects with it. */
function run(command: string, args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 60_000 });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${out.slice(-2000)}`))));
  });
}

/** Polls `probe` (a command) until it succeeds, or fails after `timeoutMs` with its last output. */
async function retry(what: string, probe: () => Promise<unknown>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A URL of compose (a secret or a variable): its host must be the service the stand-in replaces. */
function serviceUrl(text: string, service: string, what: string): URL {
  const url = new URL(text.trim());
  if (url.hostname !== service) throw new Error(`${what} names ${url.hostname}, not the ${service} service the test stands in for: ${url.protocol}//${url.host}`);
  return url;
}

export async function startHostServices(options: { address: string; projectDirectory: string; compose: ComposeFile; prefix: string; logDir: string }): Promise<HostServices> {
  const { address, projectDirectory, compose, prefix, logDir } = options;
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const secretPath = (name: string): string => resolve(projectDirectory, compose.secrets![name]!.file);
  const configPath = (name: string): string => resolve(projectDirectory, compose.configs![name]!.file);
  const secret = (name: string): string => readFileSync(secretPath(name), 'utf8');
  const spawnLogged = (name: string, command: string, args: string[], detached = false): ChildProcess => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached });
    const log = createWriteStream(join(logDir, `host-${name}.log`));
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    child.once('close', () => log.end());
    children.push(child);
    return child;
  };
  const alive = (child: ChildProcess, name: string): void => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}); see ${join(logDir, `host-${name}.log`)}`);
  };
  /** Forwards <gateway address>:<port> to a loopback listener; freebind, as the address appears with the first container. */
  const forward = (name: string, port: string, to: { host: string; port: string | number }): ChildProcess =>
    spawnLogged(`socat-${name}`, 'socat', [`TCP-LISTEN:${port},bind=${address},freebind,fork,reuseaddr`, `TCP:${to.host}:${to.port}`], true);

  const close = async (): Promise<void> => {
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      // socat forks a process per connection: its group goes with it.
      try {
        if (child.spawnargs[0] === 'socat') process.kill(-child.pid!, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        // gone already
      }
      await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    }
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    // The roles and database the secrets name, and the run's own in their stead.
    const appUrl = serviceUrl(secret('database_url'), 'pgbouncer', 'secrets/database_url');
    const migrationUrl = serviceUrl(secret('database_migration_url'), 'postgres', 'secrets/database_migration_url');
    const userlist = secret('pgbouncer_userlist');
    const app = decodeURIComponent(appUrl.username);
    const migrator = decodeURIComponent(migrationUrl.username);
    if (!userlist.startsWith(`"${app}" `)) throw new Error(`secrets/pgbouncer_userlist is not the entry of ${app}`);
    const composeDatabase = migrationUrl.pathname.slice(1);
    const role = (name: string): string => name.replace(/^agentmesh_/, `${prefix}_`);
    appUrl.username = role(app);
    migrationUrl.username = role(migrator);
    migrationUrl.pathname = `/${prefix}`;
    writeFileSync(secretPath('database_url'), appUrl.toString());
    writeFileSync(secretPath('database_migration_url'), migrationUrl.toString());
    writeFileSync(secretPath('pgbouncer_userlist'), userlist.replace(`"${app}"`, `"${role(app)}"`));

    const server = new URL(DATABASE_URL);
    const serverPort = server.port || '5432';
    const admin = (sql: string): Promise<string> => run('psql', [DATABASE_URL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
    await admin(`CREATE DATABASE ${prefix}`);
    cleanups.push(async () => {
      await admin(`DROP DATABASE IF EXISTS ${prefix} WITH (FORCE)`);
      await admin(`DROP ROLE IF EXISTS ${role(app)}, ${role(migrator)}, ${prefix}_owner`);
    });
    // What initdb-roles.sh does on the postgres image's first start, with the run's prefix.
    const initdb = readFileSync(configPath('postgres-initdb-roles'), 'utf8');
    const schema = /-v schema=(\S+)/.exec(initdb)?.[1];
    if (schema === undefined) throw new Error('initdb-roles.sh names no schema (-v schema=…)');
    const database = new URL(DATABASE_URL);
    database.pathname = `/${prefix}`;
    await run('psql', [database.toString(), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `prefix=${prefix}`, '-v', `schema=${schema}`, '-v', `migrator_password=${secret('db_migrator_password')}`, '-v', `app_password=${secret('db_app_password')}`, '-f', configPath('postgres-roles')]);
    const postgresForward = forward('postgres', migrationUrl.port || '5432', { host: server.hostname, port: serverPort });

    // PgBouncer: compose's ini with the server, the listener and the userlist moved.
    const bouncerDir = mkdtempSync(join(tmpdir(), 'agentmesh-compose-pgbouncer-'));
    cleanups.push(async () => rmSync(bouncerDir, { recursive: true, force: true }));
    const bouncerPort = await freePort();
    let section = '';
    const ini = readFileSync(configPath('pgbouncer'), 'utf8')
      .split('\n')
      .map((line) => {
        const header = /^\[(\w+)\]/.exec(line);
        if (header) section = header[1]!;
        if (section === 'databases' && line.startsWith(`${composeDatabase} =`)) {
          if (!/host=postgres\b/.test(line)) throw new Error(`pgbouncer.ini: ${line} is not the postgres service`);
          return line.replace(/host=\S+/, `host=${server.hostname}`).replace(/port=\S+/, `port=${serverPort}`).replace(/dbname=\S+/, `dbname=${prefix}`);
        }
        if (section === 'pgbouncer' && /^listen_addr\s*=/.test(line)) return 'listen_addr = 127.0.0.1';
        if (section === 'pgbouncer' && /^listen_port\s*=/.test(line)) return `listen_port = ${bouncerPort}`;
        if (section === 'pgbouncer' && /^auth_file\s*=/.test(line)) return `auth_file = ${join(bouncerDir, 'userlist.txt')}`;
        return line;
      })
      .join('\n');
    writeFileSync(join(bouncerDir, 'pgbouncer.ini'), ini);
    writeFileSync(join(bouncerDir, 'userlist.txt'), secret('pgbouncer_userlist'), { mode: 0o600 });
    const asRoot = process.getuid?.() === 0;
    if (asRoot) for (const file of ['', 'pgbouncer.ini', 'userlist.txt']) chownSync(join(bouncerDir, file), NOBODY, NOBODY);
    const bouncer = spawnLogged('pgbouncer', 'pgbouncer', [...(asRoot ? ['-u', 'nobody'] : []), join(bouncerDir, 'pgbouncer.ini')]);
    const bouncerForward = forward('pgbouncer', appUrl.port || '6432', { host: '127.0.0.1', port: bouncerPort });

    // Redis: compose's command, on a loopback port of its own (nothing else's keys beside it).
    const registryEnv = compose.services['registry']?.environment ?? {};
    const redisUrl = serviceUrl(String(registryEnv['REDIS_URL']), 'redis', 'REDIS_URL');
    const [redisCommand, ...redisArgs] = compose.services['redis']!.command!;
    const redisPort = await freePort();
    const redis = spawnLogged('redis', redisCommand!, [...redisArgs, '--port', String(redisPort), '--bind', '127.0.0.1']);
    const redisForward = forward('redis', redisUrl.port || '6379', { host: '127.0.0.1', port: redisPort });

    // The collector: OTLP/HTTP requests counted by path, answered 200.
    const otlpUrl = serviceUrl(String(registryEnv['OTEL_EXPORTER_OTLP_ENDPOINT']), 'otel-collector', 'OTEL_EXPORTER_OTLP_ENDPOINT');
    const received: Record<string, number> = {};
    const sink: Server = createServer((request, response) => {
      request.resume();
      request.once('end', () => {
        received[request.url ?? '?'] = (received[request.url ?? '?'] ?? 0) + 1;
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    sink.listen(0, '127.0.0.1');
    await once(sink, 'listening');
    cleanups.push(() => new Promise((r) => sink.close(() => r())));
    const otlpForward = forward('otel-collector', otlpUrl.port || '4318', { host: '127.0.0.1', port: (sink.address() as { port: number }).port });

    // Each healthy as compose's healthcheck asks, at its loopback address (the gateway address exists once a container joins).
    const standIns: Record<string, StandIn> = {
      postgres: {
        ready: () => retry('postgres', async () => {
          alive(postgresForward, 'socat-postgres');
          await run('pg_isready', ['-h', server.hostname, '-p', serverPort, '-d', prefix, '-q']);
        }),
      },
      pgbouncer: {
        ready: () => retry('pgbouncer', async () => {
          alive(bouncer, 'pgbouncer');
          alive(bouncerForward, 'socat-pgbouncer');
          await run('pg_isready', ['-h', '127.0.0.1', '-p', String(bouncerPort), '-q']);
        }),
      },
      redis: {
        ready: () => retry('redis', async () => {
          alive(redis, 'redis');
          alive(redisForward, 'socat-redis');
          if (!(await run('redis-cli', ['-p', String(redisPort), 'ping'])).includes('PONG')) throw new Error('no PONG');
        }),
      },
      'otel-collector': {
        ready: async () => alive(otlpForward, 'socat-otel-collector'),
      },
    };
    return { standIns, database: prefix, otlpRequests: () => ({ ...received }), close };
  } catch (err) {
    await close();
    throw err;
  }
}
