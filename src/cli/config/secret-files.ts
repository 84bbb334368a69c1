/*
 * `<NAME>_FILE` for the secrets: Compose mounts its `secrets:` as files under
 * /run/secrets, Kubernetes can mount a Secret as files, and a value passed as
 * a file stays out of `docker inspect`, `ps e` and shell history. The
 * convention is the one the official postgres and redis images follow.
 */
import { readFileSync } from 'node:fs';

/** The variables that may come from a file: each a secret or holding one (a URL with a password). */
export const SECRET_VARIABLES = [
  'GATEWAY_SECRET',
  'GATEWAY_SECRET_PREVIOUS',
  'GATEWAY_ADMIN_TOKEN',
  'GATEWAY_CARD_SIGNING_KEY',
  'REGISTRY_TOKEN',
  'AGENTMESH_SECRET',
  'AGENTMESH_SECRET_PREVIOUS',
  'AGENTMESH_SIGNING_KEY',
  'AGENTMESH_WORKFLOW_HOOKS',
  'DATABASE_URL',
  'DATABASE_MIGRATION_URL',
  'REDIS_URL',
  'ORCHESTRATOR_CLIENT_ID',
  'ORCHESTRATOR_CLIENT_SECRET',
  'AGENTMESH_CLIENT_SECRET',
  'AGENTMESH_TOKEN',
] as const;

/**
 * `env` with each `<NAME>_FILE` of {@link SECRET_VARIABLES} read into `<NAME>`
 * (one trailing newline dropped: `echo` and editors add it, a secret never
 * ends with one). Setting both is an error, as is a file that cannot be read;
 * each message names the variable.
 *
 * @example
 * withSecretFiles({ GATEWAY_SECRET_FILE: '/run/secrets/gateway_secret' }).GATEWAY_SECRET;
 */
export function withSecretFiles(env: Record<string, string | undefined>, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): Record<string, string | undefined> {
  let resolved = env;
  for (const name of SECRET_VARIABLES) {
    const path = env[`${name}_FILE`];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '') throw new Error(`set ${name} or ${name}_FILE, not both`);
    let value: string;
    try {
      value = read(path);
    } catch (err) {
      // Not protocol's errorMessage: program.ts imports this file for every run, `--help` included, and the
      // protocol door would initialise the error catalogue and the A2A SDK for it (CONTRIBUTING.md, "Load what you use").
      throw new Error(`${name}_FILE names a file that cannot be read (${path}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (resolved === env) resolved = { ...env };
    resolved[name] = value.replace(/\r?\n$/, '');
  }
  return resolved;
}
