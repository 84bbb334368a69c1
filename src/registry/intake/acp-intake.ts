import { AgentCard } from '@a2a-js/sdk';
import { loadAcpSpecValidator, manifestToCard, type AcpSchemaProblem } from '../../acp/index.js';
import { type AgentmeshError, ErrorCodes, type FieldViolation, violationError, Errors, errorMessage } from '../../protocol/index.js';
import type { AgentBridge } from '../../contracts/registry/index.js';
import type { AdmittedCard } from './admitted-card.js';
import { guardedGet, isJsonMediaType, parseCardUrl, type CardFetchOptions } from './card-fetch.js';
import { agentCardViolations } from './card-validation.js';

/*
 * How ACP agents enter the registry (docs/acp.md#acp-agents-in-the-registry). Rules:
 *
 * 1. The URL is the ACP server's base (where the document's `/agents`,
 *    `/runs` and `/ping` are). Its query and fragment are dropped, and so is
 *    a trailing slash.
 * 2. `GET {url}/agents` is read page by page (`limit`, `offset`), then
 *    `GET {url}/agents/{name}` for each agent taken: every request through
 *    the SSRF guard, each answer 200 and JSON, under the card size limit.
 * 3. The list is checked against the document's `AgentsListResponse`, each
 *    manifest against `AgentManifest` (`acp/spec-validator.ts`), and a
 *    manifest must carry the name it was asked for: any problem refuses the
 *    whole registration (AM_ERR_REGISTRY_ACP_MANIFEST_INVALID, one violation
 *    per problem), before the registry stores anything.
 * 4. Each manifest becomes an A2A card (`acp/manifest.ts` `manifestToCard`),
 *    checked like any submitted card; the manifest is kept with it.
 */

/** Agents read from one ACP server, at most: a larger server is refused rather than half registered. */
export const MAX_ACP_AGENTS = 200;
const PAGE = 100;
const ACCEPT = { accept: 'application/json' };

/** An ACP agent the registry accepts: its derived card, and how it is reached. */
export interface AdmittedAcpAgent extends AdmittedCard {
  bridge: AgentBridge;
}

/** What {@link admitAcpAgents} needs: the fetch limits, and optionally the one agent to take. */
export interface AcpIntakeOptions extends CardFetchOptions {
  /** Take only the agent of this name; default every agent the server lists. */
  only?: string | undefined;
}

/**
 * Reads, checks and translates the agents of the ACP server at `input` (the
 * rules above). Errors: AM_ERR_REGISTRY_INVALID_ARGUMENT (not an http(s)
 * URL; no agents; no agent named `only`; too many), AM_ERR_SSRF_BLOCKED,
 * AM_ERR_HTTP_UPSTREAM_FAILED, AM_ERR_HTTP_UPSTREAM_TOO_LARGE,
 * AM_ERR_REGISTRY_ACP_MANIFEST_INVALID.
 *
 * @example
 * const agents = await admitAcpAgents('https://acp.example.com', { guard, timeoutMs: 5_000, maxBytes: 262_144 });
 * agents.map((a) => a.bridge.agentName); // ['echo', 'summarizer']
 */
export async function admitAcpAgents(input: string, options: AcpIntakeOptions): Promise<AdmittedAcpAgent[]> {
  const base = acpBaseUrl(input);
  const spec = await loadAcpSpecValidator();
  const listed = await listAgentNames(base, options, spec.check);
  const names = options.only === undefined ? listed : listed.filter((n) => n === options.only);
  if (names.length === 0) {
    throw options.only === undefined ? Errors.acpServerListsNone({ base }) : Errors.acpServerListsNoSuch({ base, quotedName: JSON.stringify(options.only), listed: listed.join(', ') });
  }
  const admitted: AdmittedAcpAgent[] = [];
  for (const name of names) {
    const location = `${base}/agents/${encodeURIComponent(name)}`;
    const manifest = await getJson(location, options, `the ACP agent manifest of ${name}`);
    if (!spec.conforms('AgentManifest', manifest)) {
      throw violationError(ErrorCodes.REGISTRY_ACP_MANIFEST_INVALID, `The ACP agent manifest at ${location}`, spec.check('AgentManifest', manifest).map(violationOf('')));
    }
    if (manifest.name !== name) {
      throw violationError(ErrorCodes.REGISTRY_ACP_MANIFEST_INVALID, `The ACP agent manifest at ${location}`, [{ field: 'name', description: `must be ${JSON.stringify(name)}, the name the agent was asked for` }]);
    }
    const cardJson = manifestToCard(manifest, { url: base });
    const cardProblems = agentCardViolations(cardJson);
    if (cardProblems.length > 0) {
      throw violationError(ErrorCodes.REGISTRY_ACP_MANIFEST_INVALID, `The A2A card derived from the ACP agent manifest at ${location}`, cardProblems);
    }
    admitted.push({
      card: AgentCard.fromJSON(cardJson),
      sourceProtocol: '1.0',
      signed: false,
      cardUrl: location,
      bridge: { protocol: 'acp', url: base, agentName: name, manifest: { ...manifest } },
    });
  }
  return admitted;
}

/** `input` as an ACP base URL: absolute http(s), no query, fragment or trailing slash. */
export function acpBaseUrl(input: string): string {
  let url: URL;
  try {
    url = parseCardUrl(input);
  } catch {
    throw Errors.acpUrlNotHttp({ quotedUrl: JSON.stringify(String(input).slice(0, 200)) });
  }
  url.hash = '';
  url.search = '';
  return url.href.replace(/\/+$/, '');
}

/** Every agent name the server lists, its list pages checked against the document. */
async function listAgentNames(base: string, options: CardFetchOptions, check: (schema: string, value: unknown) => AcpSchemaProblem[]): Promise<string[]> {
  const names: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const location = `${base}/agents?limit=${PAGE}&offset=${offset}`;
    const page = await getJson(location, options, 'the ACP agent list');
    const problems = check('AgentsListResponse', page).map(violationOf(''));
    if (problems.length > 0) throw violationError(ErrorCodes.REGISTRY_ACP_MANIFEST_INVALID, `The ACP agent list at ${location}`, problems);
    const agents = (page as { agents: Array<{ name: string }> }).agents;
    const before = names.length;
    for (const agent of agents) if (!names.includes(agent.name)) names.push(agent.name);
    if (names.length > MAX_ACP_AGENTS) throw Errors.acpServerListsTooMany({ base, max: MAX_ACP_AGENTS });
    // An empty or short page is the last; so is a page with nothing new (a server that ignores `offset` would repeat itself forever).
    if (agents.length < PAGE || names.length === before) return names;
  }
}

async function getJson(location: string, options: CardFetchOptions, what: string): Promise<unknown> {
  const response = await guardedGet(location, options, { headers: ACCEPT, what });
  if (response.status !== 200) {
    throw Errors.fetchedAnswered({ What: `${what.charAt(0).toUpperCase()}${what.slice(1)}`, target: location, status: response.status }, { retryable: response.status >= 500 || response.status === 429 || response.status === 408 });
  }
  const contentType = response.headers.get('content-type');
  if (!isJsonMediaType(contentType)) throw notAcp(location, what, `is ${contentType}, not application/json`);
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw notAcp(location, what, `is not valid JSON (${errorMessage(err)})`);
  }
}

function notAcp(location: string, what: string, description: string): AgentmeshError {
  return violationError(ErrorCodes.REGISTRY_ACP_MANIFEST_INVALID, `The answer from ${location} (${what})`, [{ field: '(root)', description }]);
}

/**
 * A document problem as a field violation: `/agents/0/input_content_types` →
 * `agents[0].input_content_types`; a missing property is named itself
 * (`metadata.capabilities[0].description is required`), as the card intake does.
 */
function violationOf(prefix: string): (problem: AcpSchemaProblem) => FieldViolation {
  return (problem) => {
    const missing = /^must have required property '(.+)'$/.exec(problem.message)?.[1];
    const segments = problem.path.split('/').filter((s) => s !== '');
    if (missing !== undefined) segments.push(missing);
    const field = segments.reduce((out, segment) => (/^\d+$/.test(segment) ? `${out}[${segment}]` : out === '' ? segment : `${out}.${segment}`), prefix);
    return { field: field || '(root)', description: missing !== undefined ? 'is required' : problem.message };
  };
}
