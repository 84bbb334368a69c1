/**
 * What the deploy kit's manifests must agree on with the code, for the
 * cross-check tests of Compose (test/integration/deploy/compose-env.test.ts)
 * and the Kubernetes overlays (kubernetes-env.test.ts): the environment
 * variables the code reads, what each role needs set when it runs replicated
 * on PostgreSQL, and the port and probe paths each role serves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_VARIABLES } from '../../src/cli/config/secret-files.js';

const srcRoot = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Every variable the code reads: `env['X']`, `env.X`, `envInt('X', …)` and
 * the keys of the role readers' tables (`assignEnvTexts(config, env, { X:
 * 'field' })`, likewise `assignEnvInts`) in src/, each secret's
 * `<NAME>_FILE` (secret-files.ts), and what Node itself reads.
 */
export function variablesReadByCode(): Set<string> {
  const names = new Set<string>(['NODE_ENV', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'TZ']);
  const pattern = /env\[['"]([A-Z][A-Z0-9_]+)['"]\]|env\.([A-Z][A-Z0-9_]{2,})\b|envInt\(['"]([A-Z][A-Z0-9_]+)['"]/g;
  const table = /assignEnv(?:Texts|Ints)\([^{)]*\{([^}]*)\}/g;
  for (const file of sourceFiles(srcRoot)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(pattern)) names.add((match[1] ?? match[2] ?? match[3])!);
    for (const [, entries] of text.matchAll(table)) for (const [, name] of entries!.matchAll(/\b([A-Z][A-Z0-9_]{2,})\s*:/g)) names.add(name!);
  }
  for (const name of SECRET_VARIABLES) names.add(`${name}_FILE`);
  return names;
}

export type Role = 'gateway' | 'registry' | 'agents' | 'orchestrator';

/** The role a container's command runs (`serve gateway` …), if it is one. */
export function roleOf(args: readonly string[] | undefined): Role | undefined {
  if (args?.[0] !== 'serve') return undefined;
  const role = args[1];
  return role === 'gateway' || role === 'registry' || role === 'agents' || role === 'orchestrator' ? role : undefined;
}

/**
 * What a role needs set to run as more than one replica on PostgreSQL and
 * Redis, each keeping no state of its own: shared secrets and keys (else each
 * replica generates its own), its public URL, and where its peers are.
 * A secret counts as set when its `<NAME>_FILE` is.
 */
export const REQUIRED: Record<Role, readonly string[]> = {
  gateway: ['DATABASE_URL', 'REDIS_URL', 'REGISTRY_URL', 'GATEWAY_PUBLIC_URL', 'GATEWAY_SECRET', 'GATEWAY_CARD_SIGNING_KEY', 'OTEL_EXPORTER_OTLP_ENDPOINT'],
  registry: ['DATABASE_URL', 'REDIS_URL', 'REGISTRY_TOKEN', 'REGISTRY_PUBLIC_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT'],
  agents: ['DATABASE_URL', 'REDIS_URL', 'REGISTRY_URL', 'REGISTRY_TOKEN', 'PUBLIC_URL', 'AGENTMESH_SECRET', 'AGENTMESH_SIGNING_KEY', 'GATEWAY_JWKS_URL', 'GATEWAY_ISSUER', 'AGENTMESH_REQUIRE_GATEWAY', 'OTEL_EXPORTER_OTLP_ENDPOINT'],
  orchestrator: ['DATABASE_URL', 'REDIS_URL', 'REGISTRY_URL', 'PUBLIC_URL', 'GATEWAY_URL', 'AGENTMESH_SECRET', 'AGENTMESH_SIGNING_KEY', 'ORCHESTRATOR_CLIENT_ID', 'ORCHESTRATOR_CLIENT_SECRET', 'GATEWAY_JWKS_URL', 'GATEWAY_ISSUER', 'OTEL_EXPORTER_OTLP_ENDPOINT'],
};

/** The names of `required` that neither `set` nor its `_FILE` variant covers. */
export function missingRequired(role: Role, set: ReadonlySet<string>): string[] {
  return REQUIRED[role].filter((name) => !set.has(name) && !set.has(`${name}_FILE`));
}

/** The port a role listens on with `env` (the variables its config loader reads, else its default). */
export function rolePort(role: Role, env: Readonly<Record<string, string | undefined>>): number {
  const pick = (...names: string[]): string | undefined => names.map((name) => env[name]).find((value) => value !== undefined && value !== '');
  const value = {
    gateway: () => pick('GATEWAY_PORT', 'PORT') ?? '4200',
    registry: () => pick('REGISTRY_PORT', 'PORT') ?? '4100',
    agents: () => pick('PORT') ?? '4000',
    orchestrator: () => pick('ORCHESTRATOR_PORT', 'PORT') ?? '4300',
  }[role]();
  return Number(value);
}

/**
 * The ports a probe of `role` may name: the role's own, and its probe
 * listener's (PROBE_PORT, plain HTTP beside a TLS port). The paths: the two
 * every role serves (src/http/probes/probes.ts).
 */
export function probeTargets(role: Role, env: Readonly<Record<string, string | undefined>>): { ports: Set<number>; paths: Set<string> } {
  const ports = new Set([rolePort(role, env)]);
  if (env['PROBE_PORT']) ports.add(Number(env['PROBE_PORT']));
  return { ports, paths: new Set(['/health', '/ready']) };
}

/** The paths src/http/probes/probes.ts serves, read from its source, so that a renamed route fails the cross-check. */
export function probePathsInCode(): Set<string> {
  const text = readFileSync(join(srcRoot, 'http', 'probes', 'probes.ts'), 'utf8');
  return new Set([...text.matchAll(/'(\/(?:health|ready|live|healthz|readyz))'/g)].map((m) => m[1]!));
}
