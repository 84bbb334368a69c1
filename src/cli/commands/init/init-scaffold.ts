/**
 * What `agentmesh init` writes: the template project shipped in
 * `templates/agent/` (real files the repository type-checks, lints and whose
 * test it runs), its name put in, and a package.json that depends on an
 * agentmesh npm can resolve.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord } from '../../../protocol/index.js';

/**
 * A request init refuses (a bad name, a folder in use): a usage error. Not an
 * AgentmeshError, whose module (the wire error table) would cost `init` more
 * than all it does; the command turns it into one.
 */
export class ScaffoldRefusal extends Error {
  override name = 'ScaffoldRefusal';
}

/** The name the template's files use for the agent; replaced by the chosen one everywhere. */
export const TEMPLATE_NAME = 'my-agent';

/** defineAgent's card.name rule (held equal to it by test/unit/cli/init.test.ts): 1-63 letters, digits, '-' or '_'. */
const AGENT_NAME = /^[a-z0-9][a-z0-9-_]{0,62}$/i;

/** What a registry accepts as a name: the agent can be served under another, but not registered. */
const REGISTRY_NAME = /^[a-z0-9-]+$/;

/** Template files whose name npm would not ship (`.gitignore`) or hides, stored without the dot. */
const DOTFILES: Readonly<Record<string, string>> = { gitignore: '.gitignore', dockerignore: '.dockerignore' };

/** Toolchain versions when agentmesh's own package.json does not say (it always does in a checkout or a packed copy). */
const FALLBACK_DEV_DEPENDENCIES = { typescript: '^5.9.0', '@types/node': '^24.19.0' };

export interface ScaffoldOptions {
  /** Where to write, created if missing. */
  dir: string;
  /** The agent's card name (default: the folder's name). */
  name?: string | undefined;
  /** npm spec of the agentmesh dependency (default: `file:` the package this code runs from). */
  agentmesh?: string | undefined;
  /** Write into a folder that holds files already (overwriting those the template has). */
  force?: boolean | undefined;
}

export interface Scaffold {
  dir: string;
  name: string;
  /** The dependency spec written to package.json. */
  agentmesh: string;
  /** Paths written, relative to `dir`, sorted. */
  files: string[];
  /** Things the user should know before `npm install`. */
  notes: string[];
}

/**
 * Writes the project and says what it wrote.
 *
 * @example
 * const { files } = scaffold({ dir: 'my-agent' });
 */
export function scaffold(options: ScaffoldOptions): Scaffold {
  const dir = resolve(options.dir);
  const name = options.name ?? dir.split(/[\\/]/).pop() ?? '';
  if (!AGENT_NAME.test(name)) {
    throw new ScaffoldRefusal(`the agent name must be 1-63 letters, digits, '-' or '_', starting with a letter or digit; got ${JSON.stringify(name)} (give another with --name)`);
  }
  refuseOccupied(dir, options.force === true);
  const root = packageRoot();
  const notes: string[] = [];
  const agentmesh = options.agentmesh === undefined ? defaultSpec(root, notes) : normalizeSpec(options.agentmesh);
  if (!REGISTRY_NAME.test(name)) notes.push(`a registry accepts lowercase letters, digits and dashes only: "${name}" serves, but cannot register (rename it in src/agent.ts)`);

  const written = new Map<string, string>();
  const templateDir = join(root, 'templates', 'agent');
  for (const file of listFiles(templateDir)) {
    const base = file.split('/').pop()!;
    const target = base in DOTFILES ? file.slice(0, -base.length) + DOTFILES[base]! : file;
    written.set(target, readFileSync(join(templateDir, file), 'utf8').replaceAll(TEMPLATE_NAME, name));
  }
  written.set('package.json', `${JSON.stringify(packageJson(name, agentmesh, root), null, 2)}\n`);
  for (const [file, text] of written) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return { dir, name, agentmesh, files: [...written.keys()].sort(), notes };
}

/** The generated project's package.json: ESM, compile with tsc, test with node --test, serve with agentmesh. */
function packageJson(name: string, agentmesh: string, root: string): Record<string, unknown> {
  const own = readPackage(root);
  const dev = own?.devDependencies ?? {};
  return {
    // npm package names are lowercase; the agent's card keeps the name as given.
    name: name.toLowerCase(),
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=24' },
    scripts: {
      build: 'tsc -p .',
      pretest: 'npm run build',
      test: 'node --test dist/test/*.test.js',
      prestart: 'npm run build',
      start: 'agentmesh agent serve ./dist/src/agent.js',
    },
    dependencies: { agentmesh },
    devDependencies: {
      '@types/node': dev['@types/node'] ?? FALLBACK_DEV_DEPENDENCIES['@types/node'],
      typescript: dev['typescript'] ?? FALLBACK_DEV_DEPENDENCIES.typescript,
    },
    // The install scripts agentmesh's own install skips (npm 11's allowScripts): better-sqlite3's
    // node-gyp run, which its bundled binaries make pointless but which needs python3 and make.
    allowScripts: deniedInstallScripts(own?.allowScripts),
  };
}

/** The entries of agentmesh's `allowScripts` that deny a package its install scripts. */
function deniedInstallScripts(allowScripts: Record<string, boolean> | undefined): Record<string, false> {
  return Object.fromEntries(Object.entries(allowScripts ?? {}).flatMap(([name, allowed]) => (allowed === false ? [[name, false as const]] : [])));
}

function refuseOccupied(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new ScaffoldRefusal(`${dir} exists and is not a folder`);
  const entries = readdirSync(dir);
  if (entries.length > 0 && !force) {
    throw new ScaffoldRefusal(`${dir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}): choose a new folder, or add --force to write the project's files over it`);
  }
}

/**
 * `file:` the agentmesh this code runs from: agentmesh is not on the npm
 * registry, and this copy is one npm can install (a checkout links it, a
 * packed copy's folder too). Notes what would make that fail later.
 */
function defaultSpec(root: string, notes: string[]): string {
  if (!existsSync(join(root, 'dist', 'src', 'index.js'))) notes.push(`${root} is not built: run \`npm run build\` there before \`npm install\` here`);
  if (/[\\/](node_modules|_npx)[\\/]/.test(root)) notes.push(`the agentmesh dependency points into an installed copy (${root}); --agentmesh <path, tarball or git URL> names a lasting one`);
  notes.push(`agentmesh is not on the npm registry yet: the project depends on file:${root} (a Docker build needs a vendored tarball or a git URL: see its README)`);
  return `file:${root}`;
}

/** A local path (or `file:` path) becomes absolute, since the project's package.json sits elsewhere; any other spec is npm's to read. */
function normalizeSpec(spec: string): string {
  const path = spec.startsWith('file:') ? spec.slice('file:'.length) : spec;
  const local = spec.startsWith('file:') || path.startsWith('.') || isAbsolute(path);
  return local ? `file:${resolve(path)}` : spec;
}

/** The agentmesh package root: up from this file (src/cli/commands/init under tsx, dist/src/cli/commands/init when built). */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (readPackage(dir)?.name === 'agentmesh') return dir;
    if (dirname(dir) === dir) throw new Error('cannot find the agentmesh package this command runs from (its package.json)');
  }
}

/** What init reads of agentmesh's own package.json. */
interface OwnPackage {
  name?: string;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

function readPackage(dir: string): OwnPackage | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isRecord(json)) return undefined;
  // Each member kept only when it has the type init reads it as (any package.json up the tree is read).
  const { name, devDependencies, allowScripts } = json;
  return {
    ...(typeof name === 'string' && { name }),
    ...(isRecord(devDependencies) && { devDependencies: entriesOf(devDependencies, (v) => typeof v === 'string') }),
    ...(isRecord(allowScripts) && { allowScripts: entriesOf(allowScripts, (v) => typeof v === 'boolean') }),
  };
}

/** The members of `record` whose value `keep` says is a T. */
function entriesOf<T>(record: Record<string, unknown>, keep: (value: unknown) => value is T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(record)) if (keep(value)) out[key] = value;
  return out;
}

/** Files under `dir`, as `/`-separated paths relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const path = prefix === '' ? e.name : `${prefix}/${e.name}`;
    return e.isDirectory() ? listFiles(dir, path) : [path];
  });
}
