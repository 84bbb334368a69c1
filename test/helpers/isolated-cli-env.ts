/**
 * The environment of every agentmesh CLI or role a test runs, in its own
 * process or in the test's: nothing of the developer's own mesh may reach it.
 * Without this, `npm test` in a clone where `npm start` had run read that
 * mesh's `./.agentmesh/gateway-admin-token` (the test process's working
 * directory is the clone, and the CLI's default data dir is relative to it),
 * and a developer's `AGENTMESH_TOKEN`, `AGENTMESH_GATEWAY` or `DATABASE_URL`
 * pointed the spawned CLIs at their own services. So each CLI gets a HOME
 * (its token cache) and a data dir of the test process's own, and a spawned
 * one none of agentmesh's variables from the developer's shell; what a test
 * sets itself goes on top.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The variables agentmesh reads (docs/configuration.md and docs/cli.md list them; a unit test holds this
 * to those lists): the roles' settings, the CLI's defaults and credentials, its cache folder.
 */
export const AGENTMESH_VARIABLE =
  /^(?:AGENTMESH_|GATEWAY_|REGISTRY_|ORCHESTRATOR_|WORKFLOWS?_|DATABASE_|REDIS_|TLS_|OTEL_|LOG_|PROBE_|ACP_)|^(?:PORT|HOST|PUBLIC_URL|GRPC_PORT|XDG_CACHE_HOME)$/;

let home: string | undefined;

/** A HOME of this test process's own, made on first use and removed when the process exits. */
export function testHome(): string {
  if (home === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'agentmesh-test-home-'));
    home = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return home;
}

/** The data dir a CLI of this test process falls back to: `.agentmesh` in {@link testHome}, not the clone's. */
export function testDataDir(): string {
  return join(testHome(), '.agentmesh');
}

/**
 * The environment of a CLI run in the test's own process (`runCli`, a command built alone): `env`, which the
 * test chose whole, on a HOME and an AGENTMESH_DATA_DIR of the test process's own. A variable `env` names,
 * even as undefined, is the test's.
 */
export function isolatedCliEnv(env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { HOME: testHome(), AGENTMESH_DATA_DIR: testDataDir(), ...env };
}

/**
 * The environment of a CLI or role a test starts as a process: this process's without agentmesh's
 * variables ({@link AGENTMESH_VARIABLE}), on a HOME and an AGENTMESH_DATA_DIR of the test process's own,
 * with `env` on top; a variable given as undefined is left out (the default data dir `./.agentmesh` of the
 * child's working directory, when a test wants it).
 */
export function isolatedChildEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!AGENTMESH_VARIABLE.test(name)) clean[name] = value;
  const merged: NodeJS.ProcessEnv = { ...clean, HOME: testHome(), AGENTMESH_DATA_DIR: testDataDir(), ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  return merged;
}
