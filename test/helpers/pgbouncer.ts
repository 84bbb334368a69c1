/**
 * A PgBouncer of the test's own (the Debian package's binary), on a free
 * port, in front of the suite's PostgreSQL: its ini and userlist in a temp
 * directory, stopped and removed by `close()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_URL } from './services.js';
import { until } from './until.js';
import { freePort } from './free-port.js';

export interface PgBouncer {
  port: number;
  /** `postgres://user:password@127.0.0.1:<port>/<database>` through the bouncer. */
  urlFor(user: string, password: string): string;
  /** What PgBouncer wrote to its log so far. */
  log(): string;
  close(): Promise<void>;
}

/** Why PgBouncer cannot run here (no binary), or false. */
export function pgbouncerSkipReason(): string | false {
  const found = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  return found.status === 0 ? false : 'pgbouncer is not installed (Debian package pgbouncer)';
}

/** uid and gid of `nobody` on Debian. */
const NOBODY = 65534;
const NOGROUP = 65534;

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Starts PgBouncer in `poolMode` with `poolSize` server connections per
 * user and database, for `users` (SCRAM from the client; the server side
 * logs in as the same user). The database is the suite's.
 */
export async function startPgBouncer(options: { users: Array<{ name: string; password: string }>; poolMode: 'transaction' | 'session'; poolSize: number }): Promise<PgBouncer> {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-pgbouncer-'));
  const server = new URL(DATABASE_URL);
  const database = server.pathname.slice(1);
  const port = await freePort();
  const logFile = join(dir, 'pgbouncer.log');
  writeFileSync(join(dir, 'userlist.txt'), options.users.map((u) => `"${u.name}" "${u.password}"\n`).join(''), { mode: 0o600 });
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = host=${server.hostname} port=${server.port || 5432} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir =",
      `auth_type = scram-sha-256`,
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `pool_mode = ${options.poolMode}`,
      `default_pool_size = ${options.poolSize}`,
      'max_client_conn = 200',
      `logfile = ${logFile}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root (a CI container often is): it then drops to `nobody`, which must own its files.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), NOBODY, NOGROUP);
  const child: ChildProcess = spawn('pgbouncer', [...(asRoot ? ['-u', 'nobody'] : []), join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') + stderr;
  try {
    await until('PgBouncer to listen', async () => {
      if (child.exitCode !== null) throw new Error(`pgbouncer exited ${child.exitCode}: ${readLog()}`);
      return accepts(port);
    }, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    urlFor: (user, password) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    log: readLog,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
