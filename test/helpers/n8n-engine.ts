/**
 * A real n8n for the tests that drive one (tier tools, `needs n8n`): the
 * install of scripts/install-n8n.mjs, a user folder of its own, credentials
 * and workflows imported from files with n8n's own CLI, published, then
 * `n8n start` on loopback. And the community node package of
 * integrations/n8n-nodes-agentmesh, built with tsc against that n8n's
 * `n8n-workflow` types, loaded as a custom extension.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { n8nHome, n8nInstalled } from '../../scripts/install-n8n.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const NODE_PACKAGE = join(root, 'integrations', 'n8n-nodes-agentmesh');

/** The installed n8n, or an error naming how to install it (the tier fails, it never skips). */
export function n8nInstall(): string {
  const home = n8nHome();
  if (!n8nInstalled(home)) throw new Error(`n8n is not installed in ${home}: run node scripts/install-n8n.mjs`);
  return home;
}

/**
 * Builds the node package into a temporary folder (its sources copied, its
 * `n8n-workflow` the installed n8n's, the repository's TypeScript and
 * Node types): what `npm run build` in the package makes. Returns the folder.
 */
export function buildNodePackage(home: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-n8n-nodes-'));
  for (const entry of ['src', 'package.json', 'tsconfig.json']) cpSync(join(NODE_PACKAGE, entry), join(dir, entry), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  symlinkSync(join(home, 'node_modules', 'n8n-workflow'), join(dir, 'node_modules', 'n8n-workflow'));
  symlinkSync(join(root, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'));
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`the node package does not compile against n8n's types:\n${tsc.stdout}${tsc.stderr}`);
  // The build script's copy of the icons, without npm.
  cpSync(join(dir, 'src', 'nodes'), join(dir, 'dist', 'nodes'), { recursive: true, filter: (f) => !f.endsWith('.ts') });
  // n8n loads a custom extension folder's *.node.js and *.credentials.js: the built files alone, not the sources' node_modules.
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  return dir;
}

/** Options of {@link startN8n}. */
export interface N8nOptions {
  home: string;
  port: number;
  /** Folders of custom nodes (N8N_CUSTOM_EXTENSIONS). */
  extensions: string[];
  /** Credentials to import, as `n8n import:credentials` reads them (data in clear: n8n encrypts it). */
  credentials: unknown[];
  /** Workflow files to import and publish (as one workflow: their nodes together). */
  workflows: string[];
  /** More environment of the n8n process (what its workflows read as `$env`). */
  env: Record<string, string>;
  /** Webhook paths (POST) of the published workflows: n8n is ready once each is registered. */
  webhooks: string[];
}

/** A running n8n. */
export interface N8n {
  url: string;
  /** How long each step of the start took, ms: the tier's cost, reported by the test. */
  timings: Record<string, number>;
  /** What n8n printed so far: in a failure's message. */
  output(): string;
  close(): Promise<void>;
}

/** Imports the credentials and workflows, publishes the workflows, starts n8n and resolves once it serves them. */
export async function startN8n(options: N8nOptions): Promise<N8n> {
  const user = mkdtempSync(join(tmpdir(), 'agentmesh-n8n-user-'));
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: user,
    N8N_USER_FOLDER: user,
    N8N_PORT: String(options.port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    WEBHOOK_URL: `http://127.0.0.1:${options.port}/`,
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_CUSTOM_EXTENSIONS: options.extensions.join(';'),
    // The launch receiver verifies signatures in a Code node (node:crypto) with the secrets of its environment.
    NODE_FUNCTION_ALLOW_BUILTIN: 'crypto',
    N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
    ...options.env,
  };
  const bin = join(options.home, 'node_modules', 'n8n', 'bin', 'n8n');
  const timings: Record<string, number> = {};
  const timed = <T>(step: string, work: () => T): T => {
    const started = performance.now();
    try {
      return work();
    } finally {
      timings[step] = Math.round(performance.now() - started);
    }
  };
  const cli = (args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], { cwd: options.home, env, encoding: 'utf8', timeout: 180_000 });
    if (result.status !== 0) throw new Error(`n8n ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  };
  const files = join(user, 'import');
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, 'credentials.json'), JSON.stringify(options.credentials));
  // One workflow holding the nodes of every file: each n8n CLI call boots n8n (seconds, a minute on a loaded
  // machine), and publish:workflow takes one workflow at a time. The files' node names are distinct.
  const merged = { id: 'agentmeshExamples', name: 'agentmesh examples', nodes: [] as unknown[], connections: {} as Record<string, unknown>, settings: { executionOrder: 'v1' } };
  for (const file of options.workflows) {
    const workflow = JSON.parse(readFileSync(file, 'utf8')) as { nodes: unknown[]; connections: Record<string, unknown> };
    merged.nodes.push(...workflow.nodes);
    Object.assign(merged.connections, workflow.connections);
  }
  writeFileSync(join(files, 'workflow.json'), JSON.stringify(merged));
  timed('import:credentials', () => cli(['import:credentials', `--input=${join(files, 'credentials.json')}`]));
  timed('import:workflow', () => cli(['import:workflow', `--input=${join(files, 'workflow.json')}`]));
  timed('publish:workflow', () => cli(['publish:workflow', `--id=${merged.id}`]));
  const starting = performance.now();

  let output = '';
  const child: ChildProcess = spawn(process.execPath, [bin, 'start'], { cwd: options.home, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`n8n did not start within 180 s:\n${output}`)), 180_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // Printed once the published workflows' webhooks and triggers are active.
      if (output.includes('Editor is now accessible')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`n8n exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Its group: n8n starts its task runner as a child of its own.
      process.kill(-child.pid!, 'SIGTERM');
      const forced = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(forced);
    }
    rmSync(user, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await ready;
    // The editor is up before the published workflows are active: their webhooks answer a CORS preflight once registered.
    const deadline = Date.now() + 120_000;
    for (const path of options.webhooks) {
      for (;;) {
        const probe = await fetch(`${url}/webhook/${path}`, { method: 'OPTIONS', headers: { origin: url, 'access-control-request-method': 'POST' } }).catch(() => undefined);
        if (probe !== undefined && probe.status < 300) break;
        if (Date.now() > deadline) throw new Error(`n8n did not register the webhook ${path} within 120 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    timings['start'] = Math.round(performance.now() - starting);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, timings, output: () => output, close };
}
