/*
 * Which environment variable set a role's setting, for the error that
 * refuses it: a role's config schema names the setting it checks
 * (`registry.databasePoolSize`), while the person at the terminal set
 * DATABASE_POOL_SIZE. Found by asking the CLI's own readers: the variable
 * without which the setting reads differently is the one that set it, so
 * this stays true to every reader without a second table of names.
 */
import { isDeepStrictEqual } from 'node:util';
import { gatewayConfigFromEnv } from './gateway-config-from-env.js';
import { orchestratorConfigFromEnv } from './orchestrator-config-from-env.js';
import { registryConfigFromEnv } from './registry-config-from-env.js';
import { runtimeConfigFromEnv } from './runtime-config-from-env.js';

type Env = Record<string, string | undefined>;

/** The reader of each role, by the name its config errors start with. */
const READERS = new Map<string, (env: Env) => unknown>([
  ['registry', (env) => registryConfigFromEnv(env, {})],
  ['gateway', (env) => gatewayConfigFromEnv(env, {})],
  ['runtime', (env) => runtimeConfigFromEnv(env, {})],
  ['orchestrator', (env) => orchestratorConfigFromEnv(env, {})],
]);

/** The value at `path` of what `read` makes of `env`; undefined when the reader refuses `env`. */
function valueAt(read: (env: Env) => unknown, env: Env, path: readonly string[]): { value: unknown } | undefined {
  let value: unknown;
  try {
    value = read(env);
  } catch {
    return undefined;
  }
  for (const key of path) value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? Reflect.get(value, key) : undefined;
  return { value };
}

/**
 * The variable of `env` that set `setting` (`registry.databasePoolSize`), or
 * undefined when none did (a flag, a default, `up`'s own choice).
 *
 * @example
 * variableOfSetting('registry.databasePoolSize', { DATABASE_POOL_SIZE: '0' }); // 'DATABASE_POOL_SIZE'
 */
export function variableOfSetting(setting: string, env: Env): string | undefined {
  const [role, ...path] = setting.split('.');
  const read = role === undefined ? undefined : READERS.get(role);
  if (read === undefined || path.length === 0) return undefined;
  const given = valueAt(read, env, path);
  if (given === undefined || given.value === undefined) return undefined;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const without = valueAt(read, { ...env, [name]: undefined }, path);
    if (without !== undefined && !isDeepStrictEqual(without.value, given.value)) return name;
  }
  return undefined;
}
