/**
 * How `bin.ts` loads the CLI (ADR 0016). A run that uses only the commands
 * people run many times a minute (`send`, `tasks`, help and version) loads
 * the prebuilt CommonJS bundle of those commands through V8's code cache:
 * one file instead of ≈ 90 ES modules (the SDK's `jose` alone is 47), and
 * little to compile. Any other run, and any run from sources (no bundle
 * built), loads the ES modules as before. A process only ever loads one of
 * the two, so no class exists twice in it.
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliCacheDir } from './launch/cache-dir.js';
import { requireWithCodeCache } from './launch/code-cache.js';
import { commandsNamedIn } from './launch/command-operands.js';

/**
 * Top-level commands the bundle holds; `help` is commander's own. The build
 * (scripts/build-cli-bundle.mjs) reads this list: a command not in it is
 * left out of the bundle.
 */
export const BUNDLED_COMMANDS: readonly string[] = ['send', 'tasks', 'help'];

/** What {@link loadCli} gives: program.ts's `main`. */
export interface LoadedCli {
  main(argv: readonly string[]): Promise<void>;
}

/**
 * Whether a run with the user arguments `args` can use the bundle: each
 * command it names is in it (none named: `--help`, `--version`).
 */
export function bundleServes(args: readonly string[]): boolean {
  return [...commandsNamedIn(args)].every((name) => BUNDLED_COMMANDS.includes(name));
}

/**
 * Loads the CLI for a run with `argv` (as `process.argv`). `AGENTMESH_CLI_BUNDLE=0`
 * loads the ES modules even when the bundle could serve.
 */
export async function loadCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<LoadedCli> {
  const args = argv.slice(2);
  const bundle = fileURLToPath(new URL('./bundle.cjs', import.meta.url));
  if (env['AGENTMESH_CLI_BUNDLE'] !== '0' && bundleServes(args) && existsSync(bundle) && bundleIsCurrent(bundle)) {
    const cacheDir = env['AGENTMESH_CODE_CACHE'] === '0' ? undefined : cliCacheDir(env);
    const name = [...commandsNamedIn(args)].join('-') || 'help';
    const loaded = requireWithCodeCache(bundle, { cacheDir, name });
    // A bundle without `main` (built from other sources than these): the ES modules serve instead.
    if (isLoadedCli(loaded)) return loaded;
  }
  return import('./program.js');
}

function isLoadedCli(value: unknown): value is LoadedCli {
  return typeof value === 'object' && value !== null && 'main' in value && typeof value.main === 'function';
}

/**
 * False when TypeScript compiled into dist/ after the bundle was built (a
 * `tsc`-only rebuild while developing): the bundle may then hold older code
 * than the ES modules, and a `send` would run it while every other command
 * runs the new code. The build info file is not shipped in the package, so
 * an installed CLI always uses its bundle. Two stat calls.
 */
export function bundleIsCurrent(bundle: string, buildInfo = fileURLToPath(new URL('../../.tsbuildinfo.build', import.meta.url))): boolean {
  let compiledAt: number;
  try {
    compiledAt = statSync(buildInfo).mtimeMs;
  } catch {
    return true;
  }
  return statSync(bundle).mtimeMs >= compiledAt;
}
