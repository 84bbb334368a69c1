/**
 * Replays a Dockerfile's build stage without a container engine: the build
 * context assembled the way Docker assembles it (the repository with
 * `.dockerignore` applied, via @balena/dockerignore, a port of Docker's own
 * matcher), each `COPY` of the stage copied from that context into a folder
 * that stands for the stage's filesystem, and each `RUN` run there with `sh`.
 * What it cannot do is named, not guessed: a `COPY` with a glob, `ADD`, a
 * `RUN` in exec form fail the replay rather than replay something else.
 *
 * Paths: the stage's `/` is `root`; absolute paths in a `RUN` command
 * (`mkdir /pkg`) are rewritten into it, and the `WORKDIR` is `root` + its path.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { DockerfileParser, type Copy, type From, type Instruction } from 'dockerfile-ast';

// A CommonJS module typed as an ES default export: under NodeNext its default is
// module.exports, which is the function and also carries it as `.default`.
const ignore = dockerignore.default;

/** One instruction of a stage, as the replay needs it. */
export interface StageStep {
  keyword: string;
  /** The arguments, continuation lines joined. */
  text: string;
  /** COPY only: the sources and the destination, flags left out. */
  sources?: string[];
  destination?: string;
  /** COPY only: the stage named by `--from`, if any. */
  from?: string | undefined;
}

export interface DockerfileStage {
  name: string | undefined;
  image: string;
  steps: StageStep[];
}

/** The stages of `dockerfileText`, in order, with `ARG` defaults before the first `FROM` substituted into `FROM`. */
export function parseStages(dockerfileText: string): DockerfileStage[] {
  const dockerfile = DockerfileParser.parse(dockerfileText);
  const globalArgs = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const [name, value = ''] = (arg.getArgumentsContent() ?? '').split('=', 2) as [string, string?];
    globalArgs.set(name.trim(), value.trim());
  }
  const expand = (text: string): string => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a?: string, b?: string) => globalArgs.get((a ?? b)!) ?? all);
  const stages: DockerfileStage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const from = instruction as From;
      stages.push({ name: from.getBuildStage() ?? undefined, image: expand(from.getImage() ?? ''), steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) continue; // ARG before the first FROM, read above
    stage.steps.push(stepOf(instruction));
  }
  return stages;
}

function stepOf(instruction: Instruction): StageStep {
  const keyword = instruction.getKeyword();
  const text = instruction.getArgumentsContent() ?? '';
  if (keyword !== 'COPY') return { keyword, text };
  const copy = instruction as Copy;
  const args = copy.getArguments().map((a) => a.getValue()).filter((value) => !value.startsWith('--'));
  const destination = args.pop();
  if (destination === undefined || args.length === 0) throw new Error(`COPY without a source or destination: ${text}`);
  return { keyword, text, sources: args, destination, from: copy.getFromFlag()?.getValue() ?? undefined };
}

/** The patterns of a `.dockerignore` file: comments and blank lines dropped. */
export function dockerignorePatterns(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The build context Docker would send from `repoRoot`: every file path
 * (POSIX, relative) that `.dockerignore` lets through. Walks the tree but
 * does not descend into an excluded folder that no `!` pattern reaches into
 * (node_modules, .git), as Docker does not.
 */
export function buildContext(repoRoot: string, patterns: readonly string[]): Set<string> {
  const filter = ignore().add([...patterns]);
  const exceptions = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1).replace(/^\/+/, ''));
  const mayReenter = (dir: string): boolean =>
    exceptions.some((p) => p.startsWith(`${dir}/`) || /[*?[]/.test(p.split('/')[0] ?? ''));
  const files = new Set<string>();
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(repoRoot, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (filter.ignores(path) && !mayReenter(path)) continue;
        walk(path);
      } else if (!filter.ignores(path)) {
        files.add(path);
      }
    }
  };
  walk('');
  return files;
}

/** Copies `sources` of the context into `destination` (relative to the stage's `root` and `workdir`) with COPY's rules. */
export function copyFromContext(context: ReadonlySet<string>, repoRoot: string, step: StageStep, root: string, workdir: string): void {
  const sources = step.sources ?? [];
  const destination = step.destination ?? '';
  const target = destination.startsWith('/') ? join(root, destination) : join(root, workdir, destination);
  const intoFolder = destination.endsWith('/') || sources.length > 1;
  for (const raw of sources) {
    if (/[*?[]/.test(raw)) throw new Error(`the replay does not expand globs in COPY: ${step.text}`);
    const source = posix.normalize(raw).replace(/^\.\/|\/$/g, '');
    if (context.has(source)) {
      const to = intoFolder ? join(target, posix.basename(source)) : target;
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(repoRoot, source), to);
      continue;
    }
    // A folder: its contents (not the folder itself) go to the destination, as COPY does.
    const under = [...context].filter((file) => source === '.' || file.startsWith(`${source}/`));
    if (under.length === 0) throw new Error(`COPY ${raw}: not found in the build context (is it whitelisted in .dockerignore?)`);
    for (const file of under) {
      const to = join(target, source === '.' ? file : file.slice(source.length + 1));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(repoRoot, file), to);
    }
  }
}

/** Rewrites absolute paths in a shell command into the replay's root (`mkdir /pkg` → `mkdir <root>/pkg`). */
export function rerootCommand(command: string, root: string): string {
  return command.replace(/(^|[\s=:'"])\/(?=[\w.*-])/g, (_all, before: string) => `${before}${root}/`);
}

/**
 * True when `node_modules` at `repoRoot` holds exactly the packages the
 * lockfile pins (npm's hidden lockfile `node_modules/.package-lock.json`
 * agrees on every path and version): then `npm ci` would install the same
 * tree, and the replay links it instead of downloading it again.
 */
export function installedTreeMatches(repoRoot: string, lockfileText: string): boolean {
  const hidden = join(repoRoot, 'node_modules', '.package-lock.json');
  if (!existsSync(hidden)) return false;
  type Lock = { packages?: Record<string, { version?: string; link?: boolean; dev?: boolean; optional?: boolean }> };
  const wanted = (JSON.parse(lockfileText) as Lock).packages ?? {};
  const installed = (JSON.parse(readFileSync(hidden, 'utf8')) as Lock).packages ?? {};
  for (const [path, entry] of Object.entries(wanted)) {
    if (path === '' || entry.link === true) continue;
    const have = installed[path];
    if (have === undefined) {
      // An optional dependency for another platform is never installed.
      if (entry.optional === true) continue;
      return false;
    }
    if (have.version !== entry.version) return false;
  }
  return true;
}

export interface ReplayResult {
  /** The stage's `/`. */
  root: string;
  /** Everything the RUN commands printed, in order. */
  output: string;
  /** The steps replayed, `RUN` ones with `linked: true` when `npm ci` was answered by the installed tree. */
  ran: { step: StageStep; linked?: boolean }[];
}

/**
 * Replays the stage named `stageName` of `dockerfileText` with the context of
 * `repoRoot` filtered by `dockerignoreText`, in `root` (an empty folder).
 * Rejects with the failing step and its output.
 */
export async function replayStage(options: {
  dockerfileText: string;
  dockerignoreText: string;
  repoRoot: string;
  stageName: string;
  root: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ReplayResult> {
  const stage = parseStages(options.dockerfileText).find((s) => s.name === options.stageName);
  if (stage === undefined) throw new Error(`no stage named ${options.stageName}`);
  const context = buildContext(options.repoRoot, dockerignorePatterns(options.dockerignoreText));
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  let workdir = '/';
  let output = '';
  const ran: ReplayResult['ran'] = [];
  for (const step of stage.steps) {
    switch (step.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, step.text.trim());
        mkdirSync(join(options.root, workdir), { recursive: true });
        break;
      case 'COPY':
        if (step.from !== undefined) throw new Error(`the replay does not follow COPY --from in the stage it replays: ${step.text}`);
        copyFromContext(context, options.repoRoot, step, options.root, workdir);
        break;
      case 'ENV':
        for (const match of step.text.matchAll(/(\w+)=("[^"]*"|\S*)/g)) env[match[1]!] = match[2]!.replace(/^"|"$/g, '');
        break;
      case 'RUN': {
        if (step.text.trimStart().startsWith('[')) throw new Error(`the replay does not run exec-form RUN: ${step.text}`);
        const cwd = join(options.root, workdir);
        const lockfile = join(cwd, 'package-lock.json');
        if (/^npm ci\b/.test(step.text.trim()) && !step.text.includes('&&') && existsSync(lockfile) && installedTreeMatches(options.repoRoot, readFileSync(lockfile, 'utf8'))) {
          if (!existsSync(join(cwd, 'node_modules'))) symlinkSync(join(options.repoRoot, 'node_modules'), join(cwd, 'node_modules'), 'dir');
          ran.push({ step, linked: true });
          break;
        }
        const result = await runShell(rerootCommand(step.text, options.root), cwd, env);
        output += result.output;
        ran.push({ step });
        if (result.code !== 0) throw new Error(`RUN ${step.text}\nexited ${result.code}:\n${result.output.slice(-4000)}`);
        break;
      }
      case 'ARG':
      case 'LABEL':
      case 'EXPOSE':
      case 'USER':
      case 'VOLUME':
      case 'HEALTHCHECK':
      case 'STOPSIGNAL':
      case 'ENTRYPOINT':
      case 'CMD':
        break;
      default:
        throw new Error(`the replay does not know ${step.keyword}: ${step.text}`);
    }
  }
  return { root: options.root, output, ran };
}

function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** True when `path` exists in the replay root (a file or folder a later stage copies `--from` this one). */
export function existsInRoot(root: string, path: string): boolean {
  try {
    lstatSync(join(root, path));
    return true;
  } catch {
    return false;
  }
}
