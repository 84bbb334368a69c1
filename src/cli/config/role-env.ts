/*
 * Environment readings every serving role shares: the one place their names
 * and checks live, so `serve runtime|registry|gateway` and `up` agree.
 */
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../observability/index.js';
import { activeDeliberateFault, DELIBERATE_FAULT_VARIABLE, type PoolMode } from '../../storage/index.js';
import { oneOf } from '../../protocol/index.js';
import { checkDataDir } from './data-dir.js';

/** A non-negative integer setting; unset or empty is undefined, anything else is an error naming the setting. */
export function envInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** A setting that is one of `choices`; unset or empty is undefined, anything else is an error naming the setting and its choices. */
export function envChoice<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined || value === '') return undefined;
  const chosen = oneOf(choices, value);
  if (chosen === undefined) throw new Error(`${name} must be ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}, got ${JSON.stringify(value)}`);
  return chosen;
}

/** The keys of `C` that a value of type `V` may be set on. */
type KeysFor<C, V> = { [K in keyof C]-?: V extends C[K] ? K : never }[keyof C];

/**
 * Sets each config key of `names` (`{ VARIABLE: key }`) to what `read` makes
 * of its variable, skipping the ones it gives undefined for: in the table's
 * order, so the first bad variable is the error reported. The one place the
 * `assignEnv…` helpers write a config.
 */
function assignEach<C, V>(config: C, names: Readonly<Record<string, KeysFor<C, V>>>, read: (variable: string) => V | undefined): void {
  for (const [variable, key] of Object.entries(names)) {
    const value = read(variable);
    if (value !== undefined) config[key] = value as C[typeof key];
  }
}

/**
 * Sets each config key of `names` (`{ VARIABLE: key }`) whose variable is set
 * and not empty to its text as written: the settings this layer does not
 * check (the role's config schema does).
 */
export function assignEnvTexts<C>(config: C, env: Record<string, string | undefined>, names: Readonly<Record<string, KeysFor<C, string>>>): void {
  assignEach(config, names, (variable) => env[variable] || undefined);
}

/** Sets each config key of `names` (`{ VARIABLE: key }`) whose variable is set and not empty to its {@link envInt} value. */
export function assignEnvInts<C>(config: C, env: Record<string, string | undefined>, names: Readonly<Record<string, KeysFor<C, number>>>): void {
  assignEach(config, names, (variable) => envInt(variable, env[variable]));
}

/** Sets config `key` to the {@link envChoice} value of `variable` when it is set and not empty. */
export function assignEnvChoice<C, T extends string>(config: C, env: Record<string, string | undefined>, variable: string, key: KeysFor<C, NoInfer<T>>, choices: readonly T[]): void {
  assignEach(config, { [variable]: key }, (name) => envChoice(name, env[name], choices));
}

/** A switch setting: `1` is on, `0` off; unset or empty is undefined, anything else is an error naming the setting. */
export function envSwitch(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === '1') return true;
  if (value === '0') return false;
  throw new Error(`${name} must be 1 or 0, got ${JSON.stringify(value)}`);
}

/**
 * A role's port, from `--port` or else the first of `variables` that is set
 * (the role's own name before the shared `PORT`; an error names the first),
 * then its `others` (`{ VARIABLE: key }`: a metrics or gRPC port). A role
 * reads them before the shared settings, so a bad port is the error reported.
 */
export function portsFromEnv<K extends string = never>(env: Record<string, string | undefined>, flags: { port?: string }, variables: readonly [string, ...string[]], others: Readonly<Record<string, K>> = {}): Partial<Record<'port' | K, number>> {
  const ports: Partial<Record<'port' | K, number>> = {};
  const set = variables.find((name) => env[name] !== undefined);
  const port = envInt(flags.port !== undefined ? '--port' : variables[0], flags.port ?? (set === undefined ? undefined : env[set]));
  if (port !== undefined) ports.port = port;
  for (const [variable, key] of Object.entries(others)) {
    const value = envInt(variable, env[variable]);
    if (value !== undefined) ports[key] = value;
  }
  return ports;
}

/** `LOG_LEVEL`: one of the logger's levels; unset or empty is undefined, anything else an error naming the setting. */
export function logLevelFromEnv(env: Record<string, string | undefined>): LogLevel | undefined {
  const value = env['LOG_LEVEL'];
  if (value === undefined || value === '') return undefined;
  const level = oneOf(LOG_LEVELS, value);
  if (level === undefined) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
  return level;
}

/**
 * `LOG_FORMAT`: `pretty` (the default: one readable line per entry, for people,
 * on a terminal or in a `| tee` or CI log) or `json` (for log shippers; the
 * deploy kit sets it). Its earlier name, AGENTMESH_LOG_FORMAT, fails with the
 * new one rather than being silently ignored.
 */
export function logFormatFromEnv(env: Record<string, string | undefined>): LogFormat {
  if (env['AGENTMESH_LOG_FORMAT'] !== undefined && env['AGENTMESH_LOG_FORMAT'] !== '') throw new Error('AGENTMESH_LOG_FORMAT is now LOG_FORMAT (json or pretty)');
  return envChoice('LOG_FORMAT', env['LOG_FORMAT'], LOG_FORMATS) ?? 'pretty';
}

/** The database settings of a role: `DATABASE_URL`, `DATABASE_MIGRATION_URL`, `DATABASE_POOL_MODE`, `DATABASE_POOL_SIZE`, `DATABASE_QUERY_TIMEOUT_MS`, `DATABASE_CONNECT_TIMEOUT_MS`. */
export function databaseFromEnv(env: Record<string, string | undefined>): DatabaseEnvSettings {
  const settings: DatabaseEnvSettings = {};
  assignEnvTexts(settings, env, { DATABASE_URL: 'databaseUrl', DATABASE_MIGRATION_URL: 'databaseMigrationUrl' });
  const poolMode = poolModeFromEnv(env);
  if (poolMode) settings.databasePoolMode = poolMode;
  assignEnvInts(settings, env, { DATABASE_POOL_SIZE: 'databasePoolSize', DATABASE_QUERY_TIMEOUT_MS: 'databaseQueryTimeoutMs', DATABASE_CONNECT_TIMEOUT_MS: 'databaseConnectTimeoutMs' });
  return settings;
}

/** What {@link databaseFromEnv} reads. */
export interface DatabaseEnvSettings {
  databaseUrl?: string;
  databaseMigrationUrl?: string;
  databasePoolMode?: PoolMode;
  databasePoolSize?: number;
  databaseQueryTimeoutMs?: number;
  databaseConnectTimeoutMs?: number;
}

/** `DATABASE_POOL_MODE`: `session` or `transaction` (a PgBouncer in transaction mode, ADR 0024); unset or empty is undefined. */
export function poolModeFromEnv(env: Record<string, string | undefined>): PoolMode | undefined {
  return envChoice('DATABASE_POOL_MODE', env['DATABASE_POOL_MODE'], ['session', 'transaction']);
}

/**
 * `PROBE_PORT` serves `/health` and `/ready` in plain HTTP on a port of their
 * own (`PROBE_HOST`, default the role's `HOST`): kubelet probes, which never
 * present a client certificate, when `TLS_CLIENT_AUTH=require` makes the
 * public port refuse every handshake without one.
 */
export function probeFromEnv(env: Record<string, string | undefined>): { probePort?: number; probeHost?: string } {
  const settings: { probePort?: number; probeHost?: string } = {};
  assignEnvInts(settings, env, { PROBE_PORT: 'probePort' });
  assignEnvTexts(settings, env, { PROBE_HOST: 'probeHost' });
  return settings;
}

/** The TLS settings of a role's env (every role reads the same names, so one environment serves a fleet). */
export interface TlsFromEnv {
  tls?: { certFile: string; keyFile: string; caFile?: string; clientAuth?: 'off' | 'request' | 'require' };
  clientTls?: { certFile?: string; keyFile?: string; caFile?: string };
}

/**
 * `TLS_CERT_FILE` + `TLS_KEY_FILE` serve HTTPS; `TLS_CLIENT_AUTH`
 * (`off` | `request` | `require`) asks for client certificates chaining to
 * `TLS_CA_FILE`; `TLS_CLIENT_CERT_FILE` + `TLS_CLIENT_KEY_FILE` are presented
 * on calls to other roles, which are trusted when their certificate chains to
 * `TLS_CA_FILE`. Paths, not contents: the files are watched and reloaded.
 */
export function tlsFromEnv(env: Record<string, string | undefined>): TlsFromEnv {
  const out: TlsFromEnv = {};
  const cert = env['TLS_CERT_FILE'] || undefined;
  const key = env['TLS_KEY_FILE'] || undefined;
  const ca = env['TLS_CA_FILE'] || undefined;
  const clientAuth = envChoice('TLS_CLIENT_AUTH', env['TLS_CLIENT_AUTH'], ['off', 'request', 'require']);
  if ((cert === undefined) !== (key === undefined)) throw new Error('set both TLS_CERT_FILE and TLS_KEY_FILE to serve HTTPS, or neither');
  if (cert === undefined && clientAuth !== undefined && clientAuth !== 'off') throw new Error(`TLS_CLIENT_AUTH=${clientAuth} needs TLS_CERT_FILE and TLS_KEY_FILE: client certificates are asked for during the TLS handshake`);
  if (cert !== undefined && key !== undefined) {
    out.tls = { certFile: cert, keyFile: key, ...(ca !== undefined && { caFile: ca }), ...(clientAuth !== undefined && { clientAuth }) };
  }
  const clientCert = env['TLS_CLIENT_CERT_FILE'] || undefined;
  const clientKey = env['TLS_CLIENT_KEY_FILE'] || undefined;
  if (clientCert !== undefined || clientKey !== undefined || ca !== undefined) {
    out.clientTls = { ...(clientCert !== undefined && { certFile: clientCert }), ...(clientKey !== undefined && { keyFile: clientKey }), ...(ca !== undefined && { caFile: ca }) };
  }
  return out;
}

/** What {@link servingFromEnv} reads: the settings every serving role's config shares (`roleServerFields`) but its port and public URL, and the fleet's dev mode and allowed hosts. */
export type ServingFromEnv = ReturnType<typeof databaseFromEnv> &
  TlsFromEnv &
  ReturnType<typeof probeFromEnv> & { host?: string; dataDir?: string; redisUrl?: string; logLevel?: LogLevel; logFormat?: LogFormat; otlpEndpoint?: string; semconvStabilityOptIn?: string[]; allowHosts?: string[]; dev?: true };

/**
 * The settings every serving role (runtime, registry, gateway) reads alike,
 * flags winning over env: `HOST`, `AGENTMESH_DATA_DIR`, the database, TLS and
 * probe settings, `REDIS_URL`, `LOG_LEVEL` (one of the logger's levels), `LOG_FORMAT`,
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SEMCONV_STABILITY_OPT_IN`,
 * `AGENTMESH_ALLOW_HOSTS` and `AGENTMESH_DEV`. Each role adds its port, public URL and settings of its own.
 */
export function servingFromEnv(env: Record<string, string | undefined>, flags: { host?: string; dataDir?: string; dev?: boolean }): ServingFromEnv {
  const settings: ServingFromEnv = {};
  const host = flags.host ?? env['HOST'];
  if (host) settings.host = host;
  const dataDir = flags.dataDir ?? env['AGENTMESH_DATA_DIR'];
  if (dataDir) {
    // Refused here, before a role opens its store there: a file at that path fails deep inside a role otherwise.
    checkDataDir(dataDir);
    settings.dataDir = dataDir;
  }
  Object.assign(settings, databaseFromEnv(env), tlsFromEnv(env), probeFromEnv(env));
  if (env['REDIS_URL']) settings.redisUrl = env['REDIS_URL'];
  const logLevel = logLevelFromEnv(env);
  if (logLevel !== undefined) settings.logLevel = logLevel;
  settings.logFormat = logFormatFromEnv(env);
  if (env['OTEL_EXPORTER_OTLP_ENDPOINT']) settings.otlpEndpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  // OpenTelemetry's own comma-separated list (gen_ai_latest_experimental: GenAI agent spans).
  if (env['OTEL_SEMCONV_STABILITY_OPT_IN']) settings.semconvStabilityOptIn = env['OTEL_SEMCONV_STABILITY_OPT_IN'].split(',').map((v) => v.trim()).filter(Boolean);
  if (env['AGENTMESH_ALLOW_HOSTS']) settings.allowHosts = env['AGENTMESH_ALLOW_HOSTS'].split(',').map((h) => h.trim()).filter(Boolean);
  if (flags.dev || env['AGENTMESH_DEV'] === '1') settings.dev = true;
  // A build broken on purpose for the nemesis tests: never served outside dev mode.
  const broken = activeDeliberateFault();
  if (broken !== undefined && settings.dev !== true) throw new Error(`${DELIBERATE_FAULT_VARIABLE}=${broken} breaks agentmesh on purpose for tests; a role refuses it outside dev mode (AGENTMESH_DEV=1): unset it`);
  return settings;
}
