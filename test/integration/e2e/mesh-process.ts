/**
 * Drives `agentmesh up` and the `agentmesh` CLI as separate processes, the
 * way a user in another terminal would: nothing here imports agentmesh code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { isolatedChildEnv } from '../../helpers/isolated-cli-env.js';
import { TS_CHILD_ARGV } from '../../helpers/typescript-child.js';

/** The repository root: `up` and every command run from here, as the banner says they do. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
/** How to run the CLI from the source (what the banner prints when `up` runs from it). */
const CLI = [...TS_CHILD_ARGV, 'src/cli/bin.ts'];

/**
 * The environment of every process: isolatedChildEnv's (none of the developer's own agentmesh settings,
 * a HOME and a data dir of the test's own), without LOG_LEVEL, with `extra` on top.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return isolatedChildEnv(extra);
}

/** What one command printed and how it exited. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Collects a command's output; past `timeoutMs` it is killed (code null), so a command that hangs fails the test
 * instead of stalling it. Generous: several CLI processes start at once from the TypeScript sources on a 2-core machine.
 */
async function collect(child: ChildProcess, timeoutMs = 90_000): Promise<Run> {
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Runs `agentmesh <args>` in its own process. */
export function agentmesh(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return collect(spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs one line in a POSIX shell, verbatim. */
export function shell(line: string): Promise<Run> {
  return collect(spawn('sh', ['-c', line], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A running `agentmesh up` and what its banner says. */
export interface Mesh {
  child: ChildProcess;
  banner: string;
  runtimeUrl: string;
  registryUrl: string;
  gatewayUrl: string;
  /** The gateway's metrics listener (never its public port: the series name tenants). */
  gatewayMetricsUrl: string;
  clientId: string;
  clientSecret: string;
  /** The demo tenant's credits as printed. */
  credits: string;
  /** The `Try:` line: the ready-to-paste `agentmesh send`. */
  sendLine: string;
  readySeconds: number;
}

function field(banner: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(banner);
  if (!match) throw new Error(`the banner has no ${what}:\n${banner}`);
  return match;
}

/** Starts `agentmesh up <args>` on free ports (with `env` added to a clean environment) and resolves once its banner is complete. */
export async function startMesh(args: string[], env: Record<string, string> = {}): Promise<Mesh> {
  const ports = ['--port', '0', '--registry-port', '0', '--gateway-port', '0', '--orchestrator-port', '0'];
  const child = spawn(process.execPath, [...CLI, 'up', ...ports, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const banner = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // The banner ends with the `workflow run` line, two lines after `Try:`.
      if (/^Try: .*\n.*\n.* workflow run .*\n/m.test(stdout)) resolve(stdout);
    });
    child.once('exit', (code) => reject(new Error(`agentmesh up exited early with ${code}\nstdout: ${stdout}\nstderr: ${stderr}`)));
  });
  const [, clientId, clientSecret, credits] = field(banner, /demo client: (\S+) \/ (\S+) {2}\(tenant demo, ([\d.]+) credits/, 'demo client');
  return {
    child,
    banner,
    runtimeUrl: field(banner, /runtime listening on (http:\/\/\S+)/, 'runtime URL')[1]!,
    registryUrl: field(banner, /registry listening on (http:\/\/\S+)/, 'registry URL')[1]!,
    gatewayUrl: field(banner, /gateway listening on (http:\/\/\S+)/, 'gateway URL')[1]!,
    gatewayMetricsUrl: field(banner, /gateway listening on .*metrics on (http:\/\/[^\s)]+)/, 'gateway metrics URL')[1]!,
    clientId: clientId!,
    clientSecret: clientSecret!,
    credits: credits!,
    sendLine: field(banner, /^Try: (.*)$/m, '`Try:` line')[1]!,
    readySeconds: Number(field(banner, /ready in ([\d.]+) s/, 'ready time')[1]),
  };
}

/** Sends SIGTERM and resolves to the exit code; a process already gone resolves at once. */
export async function stopMesh(mesh: Mesh | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!mesh || mesh.child.exitCode !== null || mesh.child.signalCode !== null) return mesh?.child.exitCode ?? null;
  const exited = once(mesh.child, 'exit') as Promise<[number | null]>;
  mesh.child.kill(signal);
  const [code] = await exited;
  return code;
}
