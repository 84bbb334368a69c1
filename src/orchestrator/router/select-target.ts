import { AgentmeshError, ErrorCodes } from '../../protocol/index.js';
import type { AgentHealth, RegistryAgent, RegistryReader } from './registry-reader.js';
import type { RouteRequest } from './route-request.js';
import { matchCard, type CardMatch } from './skill-match.js';
import { textTerms, type TextTerm } from './text-terms.js';

/** Where the router decided to send a message, and why. */
export interface RouteTarget {
  agent: string;
  /** The skill to ask for (`metadata.skillId`); undefined leaves it to the agent's default skill. */
  skill: string | undefined;
  /** What decided: the agent named, a skill id, tags, or the text. */
  via: 'agent' | 'skill' | 'tags' | 'text';
  /** Words of the message found on the agent's card, in message order. */
  matched: string[];
  /** One line for the status message: "matched 'contract', 'clause'". */
  reason: string;
  health: AgentHealth;
}

/** What {@link selectTarget} takes. */
export interface SelectTargetOptions {
  registry: RegistryReader;
  /** The router's own agent name: never a candidate. */
  self: string;
  /** The message text (text parts joined). */
  text: string;
  route?: RouteRequest | undefined;
  /** The caller's tenant: agents open only to other tenants are not candidates. */
  tenant?: string | undefined;
}

/**
 * Registry scores (0–100) this close to the best count as a tie, so a
 * healthy agent is preferred over a degraded one that is barely more relevant.
 */
const RELEVANCE_TIE = 10;
/** Matched words quoted in the reason. */
const REASON_WORDS = 4;
const HEALTH_RANK: Record<AgentHealth, number> = { healthy: 0, degraded: 1, unknown: 2, down: 3 };

interface Candidate {
  agent: RegistryAgent;
  match: CardMatch;
  /** Tags of the request the agent carries. */
  tagsMatched: number;
  /** Registry search score, 0–100 (text routing only). */
  score: number;
}

/**
 * Picks the agent a message goes to (issue 5 §1):
 * 1. `route.agent`: that agent, if registered, active, not down and open to
 *    the tenant; `route.skill` must be one of its skills.
 * 2. `route.skill` and/or `route.tags`: agents offering the skill / carrying
 *    the tags (more tags first), healthy before degraded before unknown,
 *    then by how well the text matches their card.
 * 3. Otherwise the registry's text search; scores within {@link RELEVANCE_TIE}
 *    of the best are a tie broken by health, then score, then the card match.
 * The router itself, inactive, down and other tenants' agents are never
 * chosen. The skill is the best-matching skill of the chosen agent.
 *
 * @throws AgentmeshError `AM_ERR_REGISTRY_AGENT_NOT_FOUND` (exposed) listing what was tried when no agent fits;
 *   `AM_ERR_HTTP_UPSTREAM_FAILED` when the registry cannot be read.
 */
export async function selectTarget(options: SelectTargetOptions): Promise<RouteTarget> {
  const { registry, route } = options;
  const terms = textTerms(options.text);
  const excluded: string[] = [];
  const eligible = (agent: RegistryAgent): boolean => {
    const why = ineligibility(agent, options);
    if (why !== undefined) excluded.push(`${agent.name} (${why})`);
    return why === undefined;
  };

  if (route?.agent !== undefined) return explicitTarget(route.agent, route.skill, terms, options, eligible, excluded);

  if (route?.skill !== undefined || route?.tags !== undefined) {
    const tried: string[] = [];
    let pool: RegistryAgent[];
    if (route.skill !== undefined) {
      tried.push(`skill '${route.skill}'`);
      pool = await registry.agentsWithSkill(route.skill);
    } else {
      pool = [];
    }
    const tagCounts = new Map<string, number>();
    if (route.tags !== undefined) {
      tried.push(`tags ${route.tags.map((t) => `'${t}'`).join(', ')}`);
      const byTag = await Promise.all(route.tags.map((t) => registry.agentsWithTag(t)));
      for (const agents of byTag) for (const agent of agents) tagCounts.set(agent.name, (tagCounts.get(agent.name) ?? 0) + 1);
      if (route.skill === undefined) pool = uniqueByName(byTag.flat());
    }
    const candidates = pool.filter(eligible).map((agent) => ({ agent, match: matchCard(agent.card, agent.tags, terms), tagsMatched: tagCounts.get(agent.name) ?? 0, score: 0 }));
    candidates.sort((a, b) => b.tagsMatched - a.tagsMatched || HEALTH_RANK[a.agent.health] - HEALTH_RANK[b.agent.health] || b.match.score - a.match.score || byName(a, b));
    const best = candidates[0];
    if (best === undefined) throw noRoute(`no agent offers ${tried.join(' with ')}`, excluded);
    const skill = route.skill ?? best.match.skill;
    const by = route.skill !== undefined ? `offers skill '${route.skill}'` : `tagged ${quote(tagsOf(best.agent, route.tags!))}`;
    return target(best, skill, route.skill !== undefined ? 'skill' : 'tags', by);
  }

  if (terms.length === 0) throw noRoute(options.text.trim() === '' ? 'the message has no text to route by and no agentmesh.route metadata' : `the text '${clipText(options.text)}' has no words to route by`, excluded);
  const hits = await registry.search(options.text);
  // Records carry what search results lack: the skills (to pick one), tenants and tags.
  const agents = await Promise.all(hits.map((h) => (h.name === options.self ? undefined : registry.agent(h.name))));
  if (hits.some((h) => h.name === options.self)) excluded.push(`${options.self} (the router itself)`);
  const candidates: Candidate[] = [];
  for (const [i, agent] of agents.entries()) {
    if (agent === undefined || !eligible(agent)) continue;
    candidates.push({ agent, match: matchCard(agent.card, agent.tags, terms), tagsMatched: 0, score: hits[i]!.score });
  }
  const top = Math.max(...candidates.map((c) => c.score));
  const contenders = candidates.filter((c) => c.score >= top - RELEVANCE_TIE);
  contenders.sort((a, b) => HEALTH_RANK[a.agent.health] - HEALTH_RANK[b.agent.health] || b.score - a.score || b.match.score - a.match.score || byName(a, b));
  const best = contenders[0];
  if (best === undefined) throw noRoute(`no agent matched the text '${clipText(options.text)}'`, excluded);
  const why = best.match.matched.length > 0 ? `matched ${quote(best.match.matched)}` : `best text match (score ${best.score})`;
  return target(best, best.match.skill, 'text', why);
}

async function explicitTarget(name: string, skill: string | undefined, terms: TextTerm[], options: SelectTargetOptions, eligible: (a: RegistryAgent) => boolean, excluded: string[]): Promise<RouteTarget> {
  if (name === options.self) throw noRoute(`agent '${name}' was named, but that is the router itself`, []);
  const agent = await options.registry.agent(name);
  if (agent === undefined) throw noRoute(`agent '${name}' was named, but it is not registered`, []);
  if (!eligible(agent)) throw noRoute(`agent '${name}' was named, but it cannot take tasks`, excluded);
  if (skill !== undefined && !agent.card.skills.some((s) => s.id === skill)) {
    throw noRoute(`agent '${name}' was named with skill '${skill}', but its skills are ${agent.card.skills.map((s) => s.id).join(', ')}`, []);
  }
  const match = matchCard(agent.card, agent.tags, terms);
  return target({ agent, match, tagsMatched: 0, score: 0 }, skill ?? match.skill, 'agent', 'named in the request');
}

function target(best: Candidate, skill: string | undefined, via: RouteTarget['via'], reason: string): RouteTarget {
  return { agent: best.agent.name, skill, via, matched: best.match.matched, reason, health: best.agent.health };
}

/** Why an agent cannot be chosen, or undefined when it can. */
function ineligibility(agent: RegistryAgent, options: SelectTargetOptions): string | undefined {
  if (agent.name === options.self) return 'the router itself';
  if (agent.status !== 'active') return `status ${agent.status}`;
  if (agent.health === 'down') return 'down';
  const tenants = agent.tenants ?? [];
  if (options.tenant !== undefined && tenants.length > 0 && !tenants.some((t) => t.toLowerCase() === options.tenant!.toLowerCase())) return `not open to tenant ${options.tenant}`;
  return undefined;
}

function noRoute(tried: string, excluded: string[]): AgentmeshError {
  const skipped = excluded.length > 0 ? `; left out: ${[...new Set(excluded)].join(', ')}` : '';
  return new AgentmeshError(ErrorCodes.REGISTRY_AGENT_NOT_FOUND, `No agent to route to: ${tried}${skipped}. Name one with message.metadata["agentmesh.route"] = { agent, skill?, tags? }.`, { expose: true });
}

/** The requested tags the agent carries (the registry compares tags case-insensitively). */
function tagsOf(agent: RegistryAgent, requested: string[]): string[] {
  const carried = new Set([...agent.tags, ...agent.card.skills.flatMap((s) => s.tags ?? [])].map((t) => t.toLowerCase()));
  return requested.filter((t) => carried.has(t.toLowerCase()));
}

function uniqueByName(agents: RegistryAgent[]): RegistryAgent[] {
  return [...new Map(agents.map((a) => [a.name, a])).values()];
}

function byName(a: Candidate, b: Candidate): number {
  return a.agent.name < b.agent.name ? -1 : a.agent.name > b.agent.name ? 1 : 0;
}

function quote(words: string[]): string {
  return words.slice(0, REASON_WORDS).map((w) => `'${w}'`).join(', ');
}

function clipText(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
