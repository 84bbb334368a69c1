import { trace } from '@opentelemetry/api';
import { AgentmeshError, ErrorCodes, Errors } from '../../protocol/index.js';
import type { AgentHealth, RegistryAgent, RegistryReader } from './registry-reader.js';
import type { ModelChooser, ModelVerdict } from './model-chooser.js';
import type { RouteRequest } from './route-request.js';
import { matchCard, type CardMatch } from './skill-match.js';
import { ROUTE_THRESHOLDS, routeVerdict, type RouteThresholds } from './route-thresholds.js';
import { agentDocument, findCues, findParaphrases, rank, textTerms, workflowDocument, type RankDocument, type RankedCandidate, type TextTerm, type WorkflowDocumentSource } from '../../ranking/index.js';

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

/** The task metadata key of a routing decision's explanation (`agentmesh route --explain` prints it). */
export const ROUTE_EXPLAIN_KEY = 'agentmesh.route.explain';

/** A workflow the router can start: what the ranking reads of it. */
export type RoutableWorkflow = WorkflowDocumentSource;

/** Requests users confirmed for a candidate, per tenant (ADR 0019): the ranking counts them. */
export interface LearnedRoutes {
  /** Candidate id (agent name or `workflow:<name>`) → confirmed requests, for one tenant. */
  forTenant(tenant: string): Promise<Map<string, string[]>>;
  /** Records that `text` was confirmed to mean `candidate` for `tenant`. */
  add(tenant: string, candidate: string, text: string): Promise<void>;
}

/** One candidate of a decision, with why it fits. */
export interface RouteCandidate extends RankedCandidate {
  /** What it does (the first sentence of its description) and what of the request it matched. */
  why: string;
}

/** Why a message went where it went (task metadata `agentmesh.route.explain`). */
export interface RouteExplain {
  /** The request text (clipped). */
  text: string;
  /** `route` / `ask` / `none` / `workflow` for text; `agent` / `skill` / `tags` / `conversation` / `choice` otherwise. */
  decision: 'route' | 'ask' | 'none' | 'workflow' | 'agent' | 'skill' | 'tags' | 'conversation' | 'choice';
  /** The candidate chosen. */
  chosen?: string;
  /** The rule that decided, in words. */
  rule: string;
  /** Intent cues the request holds. */
  cues: string[];
  /** The best candidates, best first, with scores, coverage and what matched. */
  candidates: RouteCandidate[];
  /** When a model was asked: its prompt, choice and latency, or why it gave none. */
  model?: ModelVerdict;
}

/** What {@link decideRoute} decided. */
export type RouteDecision =
  | { kind: 'route'; target: RouteTarget; explain: RouteExplain }
  | { kind: 'workflow'; workflow: string; explain: RouteExplain }
  | { kind: 'ask'; candidates: RouteCandidate[]; question: string; explain: RouteExplain; fallback: RouteTarget | undefined }
  | { kind: 'none'; error: AgentmeshError; explain: RouteExplain };

/** The verdict's thresholds, for the ask rule's wording and the model's pool. */
const DEFAULT_THRESHOLDS = ROUTE_THRESHOLDS;

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
  /** Workflows the router can start: candidates beside the agents. */
  workflows?: readonly RoutableWorkflow[] | undefined;
  /** Confirmed requests per tenant, counted by the ranking. */
  learned?: LearnedRoutes | undefined;
  /** Optional model routing: asked to choose among the top candidates when two or more fit; the lexical decision stands when it fails. */
  model?: ModelChooser | undefined;
  /** When to route, ask or refuse (calibration and tests); the calibrated {@link ROUTE_THRESHOLDS} by default. */
  thresholds?: Readonly<RouteThresholds> | undefined;
}

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
 * Picks the agent a message goes to (docs/orchestrator.md#routing):
 * 1. `route.agent`: that agent, if registered, active, not down and open to
 *    the tenant; `route.skill` must be one of its skills.
 * 2. `route.skill` and/or `route.tags`: agents offering the skill / carrying
 *    the tags (more tags first), healthy before degraded before unknown,
 *    then by how well the text matches their card.
 * 3. Otherwise the text: registry search finds the candidates, the shared
 *    ranking (src/ranking) orders them; a runner-up within `askRatio` ({@link ROUTE_THRESHOLDS})
 *    of the best is a close call (a healthier one wins it; {@link decideRoute}
 *    asks when health does not decide, selectTarget takes the best); text no
 *    candidate covers enough of is refused ("No agent for this").
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

  const decision = await rankText(options, terms, eligible, excluded);
  if (decision.kind === 'none') throw noRoute(decision.explain.rule, excluded, true);
  if (decision.kind === 'workflow') throw noRoute(`the text fits workflow '${decision.workflow}', which selectTarget cannot start`, excluded);
  const chosen = decision.kind === 'route' ? decision.target : decision.fallback;
  if (chosen === undefined) throw noRoute(decision.explain.rule, excluded);
  return chosen;
}

/**
 * The full decision on a message's route, with its explanation: what
 * {@link selectTarget} does, and for text routing also whether to ask
 * (the best candidates are too close to call), to start a workflow, or to
 * answer that no agent does this; every decision carries its explanation
 * (candidates, scores, the cues that decided).
 *
 * Text no agent covers is the decision `none`, with the error to answer
 * ("No agent for this: …", `AM_ERR_REGISTRY_AGENT_NOT_FOUND`, exposed).
 *
 * @throws AgentmeshError `AM_ERR_REGISTRY_AGENT_NOT_FOUND` (exposed) for a named agent, skill or tags that fit nothing;
 *   `AM_ERR_HTTP_UPSTREAM_FAILED` when the registry cannot be read.
 */
export async function decideRoute(options: SelectTargetOptions): Promise<RouteDecision> {
  const route = options.route;
  if (route?.agent !== undefined || route?.skill !== undefined || route?.tags !== undefined) {
    const target = await selectTarget(options);
    return { kind: 'route', target, explain: { text: clipText(options.text), decision: target.via === 'text' ? 'route' : target.via, chosen: target.agent, rule: target.reason, cues: [], candidates: [] } };
  }
  const excluded: string[] = [];
  const eligible = (agent: RegistryAgent): boolean => {
    const why = ineligibility(agent, options);
    if (why !== undefined) excluded.push(`${agent.name} (${why})`);
    return why === undefined;
  };
  const decision = await rankText(options, textTerms(options.text), eligible, excluded);
  if (decision.kind === 'none') return { ...decision, error: noRoute(decision.explain.rule, excluded, true) };
  return options.model === undefined ? decision : askModel(options, options.model, decision);
}

/**
 * Optional model routing: the model chooses among the top
 * candidates that fit (two or more); its choice must be one of them. On a
 * failure, a timeout or an answer naming none, the lexical decision stands.
 * Either way the verdict (prompt, choice, latency) is in the explanation.
 */
async function askModel(options: SelectTargetOptions, model: ModelChooser, decision: Exclude<RouteDecision, { kind: 'none' }>): Promise<RouteDecision> {
  const pool = decision.kind === 'ask' ? decision.candidates : decision.explain.candidates.filter((c) => c.raw >= DEFAULT_THRESHOLDS.minRawFocused && c.coverage >= DEFAULT_THRESHOLDS.minCoverage).slice(0, 3);
  if (pool.length < 2) return decision;
  const verdict = await model.choose(options.text, pool.map((c) => ({ id: c.id, why: c.why })));
  // In the trace too, on the span of the skill deciding the route: what was asked, what came back, how long it took.
  trace.getActiveSpan()?.addEvent('agentmesh.route.model', {
    'agentmesh.route.model.prompt': verdict.prompt,
    'agentmesh.route.model.offered': pool.map((c) => c.id).join(' '),
    'agentmesh.route.model.choice': verdict.choice ?? '',
    'agentmesh.route.model.latency_ms': verdict.latencyMs,
    ...(verdict.error !== undefined && { 'agentmesh.route.model.error': verdict.error }),
  });
  const explain: RouteExplain = { ...decision.explain, model: verdict };
  if (verdict.choice === undefined) return { ...decision, explain } as RouteDecision;
  const rule = `chosen by the model among ${pool.map((c) => c.id).join(', ')} in ${verdict.latencyMs} ms`;
  if (verdict.choice.startsWith('workflow:')) return { kind: 'workflow', workflow: verdict.choice.slice('workflow:'.length), explain: { ...explain, decision: 'workflow', chosen: verdict.choice, rule } };
  const target = await selectTarget({ ...options, route: { agent: verdict.choice } });
  return { kind: 'route', target: { ...target, via: 'text', reason: `chosen by the model (${verdict.latencyMs} ms)` }, explain: { ...explain, decision: 'route', chosen: verdict.choice, rule } };
}

/** Candidates kept in an explanation. */
const EXPLAINED = 5;

async function rankText(options: SelectTargetOptions, terms: TextTerm[], eligible: (a: RegistryAgent) => boolean, excluded: string[]): Promise<RouteDecision | { kind: 'none'; explain: RouteExplain }> {
  const { registry } = options;
  const text = clipText(options.text);
  if (terms.length === 0) {
    const rule = options.text.trim() === '' ? 'the message has no text to route by and no agentmesh.route metadata' : `the text '${text}' has no words to route by`;
    return { kind: 'none', explain: { text, decision: 'none', rule, cues: [], candidates: [] } };
  }
  // Candidates: what registry search finds for the text, and for each intent cue, what it finds for the cue's words
  // (a request for "reimbursed training courses" names no word of the HR card, but its cue does).
  const cueQueries = findCues(options.text).flatMap((c) => (c.cue.prefers.length > 0 ? [c.cue.prefers.join(' ')] : []));
  // …and what the request's everyday phrasings stand for in cards' words ("days off" → vacation leave policy), one query for them all.
  const paraphrased = [...new Set(findParaphrases(options.text).flatMap((p) => p.meansWords))];
  if (paraphrased.length > 0) cueQueries.push(paraphrased.join(' '));
  const found = await Promise.all([registry.search(options.text), ...cueQueries.map((q) => registry.search(q))]);
  const hits = [...new Map(found.flat().map((h) => [h.name, h])).values()];
  // Records carry what search results lack: the skills (to pick one), tenants, tags, department and input schemas.
  const agents = await Promise.all(hits.map((h) => (h.name === options.self ? undefined : registry.agent(h.name))));
  if (hits.some((h) => h.name === options.self)) excluded.push(`${options.self} (the router itself)`);
  const pool = agents.filter((a): a is RegistryAgent => a !== undefined && eligible(a));
  // Confirmed requests refine the ranking; when they cannot be read (the database is away), the ranking goes on without them.
  const learned = options.tenant !== undefined && options.learned !== undefined ? await options.learned.forTenant(options.tenant).catch(() => new Map<string, string[]>()) : new Map<string, string[]>();
  const documents: RankDocument[] = [
    ...pool.map((a) => agentDocument({ name: a.name, card: a.card, tags: a.tags, department: a.department, inputSchemas: a.inputSchemas, learned: learned.get(a.name) })),
    ...(options.workflows ?? []).map((w) => workflowDocument({ ...w, learned: learned.get(`workflow:${w.name}`) })),
  ];
  // Without the registry's relevance as a prior: workflows have none, and the thresholds below are set on the ranking alone.
  const ranking = rank(options.text, documents);
  const byId = new Map(pool.map((a) => [a.name, a]));
  const explained = (list: RankedCandidate[]): RouteCandidate[] => list.slice(0, EXPLAINED).map((c) => ({ ...c, why: whyItFits(c, byId.get(c.id), options.workflows) }));
  const candidates = ranking.candidates.filter((c) => c.raw > 0);
  const best = candidates[0];
  const explain = (decision: RouteExplain['decision'], rule: string, chosen?: string): RouteExplain => ({ text, decision, ...(chosen !== undefined && { chosen }), rule, cues: ranking.cues, candidates: explained(candidates) });
  // selectTarget, which cannot ask, takes the best agent among those it would ask about.
  const fallbackOf = (asked: RankedCandidate[]): RouteTarget | undefined => {
    const first = asked.find((c) => c.kind === 'agent');
    const agent = first === undefined ? undefined : byId.get(first.id);
    if (first === undefined || agent === undefined) return undefined;
    const match = matchCard(agent.card, agent.tags, terms);
    return target({ agent, match, tagsMatched: 0, score: first.score }, match.skill, 'text', reasonOf(first));
  };
  // Enough evidence to route, too vague (ask), or foreign (none): route-thresholds.ts, calibrated on the tuning set.
  const thresholds = options.thresholds ?? ROUTE_THRESHOLDS;
  const verdict = routeVerdict(candidates, thresholds);
  if (verdict.kind === 'ask') {
    const asked = explained(verdict.asked);
    return { kind: 'ask', candidates: asked, question: askQuestion(asked), explain: explain('ask', `the request is too vague to choose (best score ${best!.score}): asking which of ${asked.map((c) => c.id).join(', ')} is meant`), fallback: fallbackOf(verdict.asked) };
  }
  if (verdict.kind === 'none') {
    const rule = best === undefined ? `no agent matched the text '${text}'` : `nothing in the mesh covers '${text}' (closest: ${best.id}, score ${best.score}, covering ${Math.round(best.coverage * 100)}% of its words)`;
    return { kind: 'none', explain: explain('none', rule) };
  }
  // A close call: the runner-up within askRatio of the best. A healthier one still wins it outright; otherwise the caller chooses between the two.
  const top = verdict.chosen;
  const close = verdict.close;
  const healthOf = (c: RankedCandidate): number => (c.kind === 'workflow' ? 0 : HEALTH_RANK[byId.get(c.id)!.health]);
  const healthier = close.filter((c) => healthOf(c) < healthOf(top));
  const chosen = healthier.length > 0 && close.every((c) => healthOf(c) !== healthOf(top)) ? [...healthier].sort((a, b) => healthOf(a) - healthOf(b) || b.raw - a.raw)[0]! : top;
  if (close.length > 0 && chosen === top && close.some((c) => healthOf(c) === healthOf(top))) {
    const asked = explained([top, ...close]);
    const rule = `${asked.map((c) => c.id).join(' and ')} fit about as well (within ${Math.round((1 - thresholds.askRatio) * 100)}% of the best score): asking which is meant`;
    return { kind: 'ask', candidates: asked, question: askQuestion(asked), explain: explain('ask', rule), fallback: fallbackOf([top, ...close]) };
  }
  if (chosen.kind === 'workflow') {
    return { kind: 'workflow', workflow: chosen.id.slice('workflow:'.length), explain: explain('workflow', `best score ${chosen.score} (${chosen.cues.join(', ')})`, chosen.id) };
  }
  const agent = byId.get(chosen.id)!;
  const match = matchCard(agent.card, agent.tags, terms);
  const rule = chosen !== top ? `healthier than ${top.id}, which scored about as well` : `best score ${chosen.score}, ahead of ${candidates[1] ? `${candidates[1].id} (${candidates[1].score})` : 'no other candidate'}`;
  return { kind: 'route', target: target({ agent, match, tagsMatched: 0, score: chosen.score }, match.skill, 'text', reasonOf(chosen)), explain: explain('route', rule, chosen.id) };
}

function reasonOf(c: RankedCandidate): string {
  const cues = c.cues.filter((x) => x.startsWith('cue:') || x.startsWith('learned')).map((x) => x.replace(/^cue:/, ''));
  const words = c.matched.length > 0 ? `matched ${quote(c.matched)}` : `best text match (score ${c.score})`;
  return cues.length > 0 ? `${words}; cues ${cues.join(', ')}` : words;
}

/** One line on why a candidate fits: what it does, and what of the request it matched. */
function whyItFits(c: RankedCandidate, agent: RegistryAgent | undefined, workflows: readonly RoutableWorkflow[] | undefined): string {
  const what = agent !== undefined ? agent.card.description : (workflows?.find((w) => `workflow:${w.name}` === c.id)?.description ?? '');
  const first = what.split(/(?<=[.:;])\s/)[0]?.replace(/[.:;]$/, '') ?? '';
  return `${first}${c.matched.length > 0 ? ` (matched ${quote(c.matched)})` : ''}`;
}

function askQuestion(candidates: RouteCandidate[]): string {
  const lines = candidates.map((c, i) => `${i + 1}. ${c.id}: ${c.why}`);
  return `Which of these is meant? Answer with a number or a name.\n${lines.join('\n')}`;
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

export function noRoute(tried: string, excluded: string[], byText = false): AgentmeshError {
  const skipped = excluded.length > 0 ? `; left out: ${[...new Set(excluded)].join(', ')}` : '';
  if (byText) return Errors.routeNoAgent({ reason: `${tried}${skipped}`, hint: 'Name one with message.metadata["agentmesh.route"] = { agent, skill?, tags? }.' });
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
