/**
 * Where a command reaches the gateway or the registry when its command line
 * names none: the flag, else the variable, else where the `agentmesh up` of
 * this folder said it listens (local-endpoints.ts), else the built-in
 * default (the ports `up` takes unless told otherwise). When the role cannot
 * be reached there, the error says where the URL came from and how to give
 * another: a mesh moved to other ports, or stopped, is then one flag away.
 */
import { ErrorCodes, Errors, isAgentmeshError } from '../../protocol/index.js';
import { DEFAULT_REGISTRY_URL } from './default-registry-url.js';
import { clientDataDir, ENDPOINTS_FILE, recordedUrl } from './local-endpoints.js';

export { DEFAULT_REGISTRY_URL } from './default-registry-url.js';

/** The gateway's URL when nothing says another: where `agentmesh up` puts it unless told otherwise. */
export const DEFAULT_GATEWAY_URL = 'http://localhost:4200';

/** The roles whose URL a command may leave to its default. */
export type DefaultedRole = 'gateway' | 'registry';

/** A role's URL and where it came from. */
export interface RoleUrlChoice {
  role: DefaultedRole;
  url: string;
  from: 'flag' | 'variable' | 'up' | 'default';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Each role's flag and variable; `read` names the variable where it is read, so a search of the code finds it. */
const NAMES: Readonly<Record<DefaultedRole, { flag: string; variable: string; read: (env: Env) => string | undefined; fallback: string }>> = {
  gateway: { flag: '--gateway', variable: 'AGENTMESH_GATEWAY', read: (env) => env['AGENTMESH_GATEWAY'], fallback: DEFAULT_GATEWAY_URL },
  registry: { flag: '--registry', variable: 'AGENTMESH_REGISTRY', read: (env) => env['AGENTMESH_REGISTRY'], fallback: DEFAULT_REGISTRY_URL },
};

/**
 * The role's URL: `flag`, else its variable, else the one `up` recorded in the data dir, else the default.
 *
 * @example
 * const { url } = chooseRoleUrl('gateway', flags.gateway, ctx.io.env);
 */
export function chooseRoleUrl(role: DefaultedRole, flag: string | undefined, env: Env): RoleUrlChoice {
  if (flag !== undefined) return { role, url: flag, from: 'flag' };
  const variable = NAMES[role].read(env);
  if (variable) return { role, url: variable, from: 'variable' };
  const recorded = recordedUrl(env, role);
  if (recorded !== undefined) return { role, url: recorded, from: 'up' };
  return { role, url: NAMES[role].fallback, from: 'default' };
}

/** What a `--gateway` or `--registry` option's help says of its default. */
export function roleUrlDefaultHelp(role: DefaultedRole): string {
  const { variable, fallback } = NAMES[role];
  return `default: $${variable}, else where the agentmesh up of this folder listens (.agentmesh/${ENDPOINTS_FILE}), else ${fallback}`;
}

/**
 * `err` told where the URL came from and how to give another, when it is the failure to reach the role at
 * all (a network error under AM_ERR_HTTP_UPSTREAM_FAILED, not an answer of the role); any other error, or
 * a URL the command line gave, as it is.
 */
export function explainUnreachable(err: unknown, choice: RoleUrlChoice, env: Env): unknown {
  if (choice.from === 'flag' || !isAgentmeshError(err) || err.code !== ErrorCodes.HTTP_UPSTREAM_FAILED) return err;
  // Our unreachable errors carry the network error as their cause; a role's own answer relayed carries none.
  if (err.cause === undefined || isAgentmeshError(err.cause)) return err;
  const { flag, variable } = NAMES[choice.role];
  const options = { cause: err };
  if (choice.from === 'variable') return Errors.cliRoleUnreachableVariable({ failure: err.message, variable, flag }, options);
  if (choice.from === 'up') return Errors.cliRoleUnreachableRecorded({ failure: err.message, file: `${clientDataDir(env)}/${ENDPOINTS_FILE}`, flag, variable }, options);
  return Errors.cliRoleUnreachableDefault({ failure: err.message, role: choice.role, flag, variable }, options);
}
