/**
 * Finds Prometheus's binaries for the deploy tests. They are never skipped:
 * a missing binary fails the test with the command that installs it (CI's
 * `.ci/run` installs Debian's `prometheus` package when `promtool` is missing).
 */
import { spawnSync } from 'node:child_process';

const INSTALL_HINT = 'install it with `apt-get update && apt-get install -y prometheus` (Debian package: /usr/bin/promtool and /usr/bin/prometheus)';

/** The path of `name` on PATH; throws with the install hint when absent. */
export function requireBinary(name: 'promtool' | 'prometheus'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') throw new Error(`${name} is not installed: ${INSTALL_HINT}`);
  return path;
}

/** Runs promtool with `args` in `cwd`; resolves to its exit code and output. */
export function promtool(args: string[], cwd: string): { code: number | null; output: string } {
  const run = spawnSync(requireBinary('promtool'), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}
