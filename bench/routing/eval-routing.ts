/**
 * `npm run eval:routing`: the router's accuracy on the project's request sets
 * (`eval/routing/`, README there), as the router sees the mesh:
 * an embedded registry and a runtime hosting the example agents, registered
 * and healthy, in this process; the router's own `selectTarget` over HTTP.
 *
 * Two evaluation sets are reported (`requests.jsonl`, the project's set of
 * every kind of request; `paraphrases.jsonl`, everyday words built from the
 * seeds' use cases) and, apart, the tuning set (`tuning.jsonl`) the paraphrase
 * vocabulary was written from and the calibration set (`calibration.jsonl`)
 * the "no agent fits" thresholds were chosen on: a figure on either says how
 * well the fit fits, not how well it generalizes.
 *
 * Prints, per set and kind of request: top-1 (the router's choice) and top-3 (the
 * choice, then the registry's next-ranked candidates) for requests with one
 * right agent; what happened to workflow, `ask` and `none` requests; the
 * ambiguity rate (the runner-up within the router's tie window of the best);
 * and every miss. A measurement, not a test: it exits 0 whatever the figures.
 *
 *   npm run eval:routing                      # both evaluation sets, then the tuning and calibration sets
 *   npm run eval:routing -- --set other.jsonl # one other set
 *   npm run eval:routing -- --all             # every request with its decision and scores, not only the misses
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exampleAgents } from '../../agents/index.js';
import { loadWorkflowFolder } from '../../src/orchestrator/index.js';
import { decideRoute, RegistryReader, routableWorkflow, type RoutableWorkflow } from '../../src/orchestrator/router/index.js';
import { startMesh } from './mesh.js';
import { kindOf, readRequestSet, type RequestKind, type RoutingRequest } from './request-set.js';

/** The router's tie window (select-target.ts RELEVANCE_TIE): a runner-up this close is a close call. */
const CLOSE_CALL = 10;
const SELF = 'orchestrator';

interface Outcome {
  request: RoutingRequest;
  kind: RequestKind;
  /** The router's choice (an agent, or `workflow:<name>`), or undefined when it asked or found no route. */
  chosen: string | undefined;
  /** What the router did. */
  decision: 'route' | 'workflow' | 'ask' | 'none';
  /** The candidates it asked about. */
  asked: string[];
  reason: string;
  /** The choice, then the next-ranked search candidates: three at most. */
  top3: string[];
  /** Registry search's own first hit (what search alone would pick). */
  searchFirst: string | undefined;
  closeCall: boolean;
}

/** A request set and what its figures are for. */
interface RequestSetFile {
  file: string;
  role: 'evaluation' | 'tuning' | 'calibration' | 'given';
}

const setPath = (name: string): string => relative(process.cwd(), fileURLToPath(new URL(`../../eval/routing/${name}`, import.meta.url)));

/** The evaluation sets first (the figures that count), the tuning set last and labelled so. */
const DEFAULT_SETS: readonly RequestSetFile[] = [
  { file: setPath('requests.jsonl'), role: 'evaluation' },
  { file: setPath('paraphrases.jsonl'), role: 'evaluation' },
  { file: setPath('tuning.jsonl'), role: 'tuning' },
  { file: setPath('calibration.jsonl'), role: 'calibration' },
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { set: { type: 'string' }, all: { type: 'boolean' } } });
  const sets: readonly RequestSetFile[] = values.set !== undefined ? [{ file: values.set, role: 'given' }] : DEFAULT_SETS;
  const names = new Set(exampleAgents.map((a) => a.name));
  const loaded = sets.map((set) => {
    const requests = readRequestSet(set.file);
    const unknown = requests.flatMap((r) => r.accepted).filter((e) => kindOf(e) === 'agent' && !names.has(e));
    if (unknown.length > 0) throw new Error(`${set.file}: expected agents that are not example agents: ${[...new Set(unknown)].join(', ')}`);
    return { set, requests };
  });

  const mesh = await startMesh();
  try {
    const registry = new RegistryReader({ url: mesh.registryUrl });
    const folder = await loadWorkflowFolder(fileURLToPath(new URL('../../workflows/', import.meta.url)));
    const workflows = folder.workflows.map(routableWorkflow);
    const summaries: string[] = [];
    for (const { set, requests } of loaded) {
      const outcomes: Outcome[] = [];
      for (const request of requests) outcomes.push(await routeOne(registry, workflows, request));
      summaries.push(print(outcomes, set, values.all === true));
    }
    if (summaries.length > 1) {
      process.stdout.write(`summary (top-1 / top-3 / search first hit / "none" requests answered "no agent" / agent requests answered "no agent" / asks):\n${summaries.join('\n')}\n`);
    }
  } finally {
    await mesh.close();
  }
}

/** Whether the router's answer is right for the request: one of its agents or workflow, asked when it should ask, "no agent" when none fits. */
function isHit(o: Outcome): boolean {
  if (o.kind === 'agent' || o.kind === 'workflow') return o.chosen !== undefined && o.request.accepted.includes(o.chosen);
  return o.kind === 'none' ? o.decision === 'none' : o.decision === 'ask';
}

async function routeOne(registry: RegistryReader, workflows: RoutableWorkflow[], request: RoutingRequest): Promise<Outcome> {
  const kind = kindOf(request.expected);
  const hits = (await registry.search(request.text)).filter((h) => h.name !== SELF);
  const closeCall = hits.length > 1 && hits[0]!.score - hits[1]!.score <= CLOSE_CALL;
  let chosen: string | undefined;
  let reason: string;
  let asked: string[] = [];
  const decision = await decideRoute({ registry, self: SELF, text: request.text, tenant: 'default', workflows });
  const ranked = decision.explain.candidates.map((c) => c.id);
  switch (decision.kind) {
    case 'route':
      chosen = decision.target.agent;
      reason = `${chosen}${decision.target.skill ? ` (${decision.target.skill})` : ''}: ${decision.target.reason}`;
      break;
    case 'workflow':
      chosen = `workflow:${decision.workflow}`;
      reason = `${chosen}: ${decision.explain.rule}`;
      break;
    case 'ask':
      asked = decision.candidates.map((c) => c.id);
      reason = `asked: ${decision.explain.rule}`;
      break;
    case 'none':
      reason = `no route: ${decision.error.message}`;
      break;
  }
  const scores = decision.explain.candidates.slice(0, 3).map((c) => `${c.id} ${c.raw}/${c.coverage}`).join(', ');
  const top3 = [...new Set([...(chosen ? [chosen] : []), ...asked, ...ranked])].slice(0, 3);
  return { request, kind, chosen, decision: decision.kind, asked, reason: `${reason} [${scores}]`, top3, searchFirst: hits[0]?.name, closeCall };
}

/** Prints one set's figures and misses; returns its one-line summary. */
function print(outcomes: Outcome[], set: RequestSetFile, all: boolean): string {
  const out = (line = ''): void => {
    process.stdout.write(`${line}\n`);
  };
  const of = (kind: RequestKind) => outcomes.filter((o) => o.kind === kind);
  const agents = of('agent');
  const right = (o: Outcome, id: string | undefined): boolean => id !== undefined && o.request.accepted.includes(id);
  const top1 = agents.filter((o) => right(o, o.chosen)).length;
  const top3 = agents.filter((o) => o.top3.some((id) => right(o, id))).length;
  const search1 = agents.filter((o) => right(o, o.searchFirst)).length;
  const workflows = of('workflow');
  const reached = workflows.filter((o) => right(o, o.chosen)).length;
  const asks = of('ask');
  const asked = asks.filter((o) => o.decision === 'ask').length;
  const nones = of('none');
  const refused = nones.filter((o) => o.decision === 'none').length;
  const asksOverall = outcomes.filter((o) => o.decision === 'ask').length;
  const askedRight = agents.filter((o) => o.decision === 'ask' && o.asked.some((id) => right(o, id))).length;
  const wrongNone = agents.filter((o) => o.decision === 'none').length;
  const closeCalls = outcomes.filter((o) => o.closeCall).length;

  const title = { evaluation: 'routing evaluation', tuning: 'TUNING set (the paraphrase lexicon was written from it: not an evaluation)', calibration: 'CALIBRATION set (the thresholds were chosen on it: not an evaluation)', given: 'routing' }[set.role];
  out(`${title}: ${outcomes.length} requests from ${set.file}`);
  out(`  agents in the mesh: ${[...new Set(exampleAgents.map((a) => a.name))].length} (example agents; the router itself is never a candidate)`);
  out();
  out(`requests with one right agent: ${agents.length}`);
  out(`  top-1 (router's choice)      ${ratio(top1, agents.length)}`);
  out(`  top-3 (choice + next hits)   ${ratio(top3, agents.length)}`);
  out(`  registry search's first hit  ${ratio(search1, agents.length)}`);
  out(`  asked instead (the right agent among the choices) ${ratio(askedRight, agents.filter((o) => o.decision === 'ask').length)}`);
  out(`  answered "no agent" (wrongly)  ${ratio(wrongNone, agents.length)}`);
  out(`  right, or asked with the right agent among the choices  ${ratio(top1 + askedRight, agents.length)}`);
  out(`requests for a workflow: ${workflows.length}; reached it ${ratio(reached, workflows.length)}`);
  out(`requests to ask about: ${asks.length}; asked ${ratio(asked, asks.length)}; close calls among them (registry search) ${ratio(asks.filter((o) => o.closeCall).length, asks.length)}`);
  out(`requests with no agent for them: ${nones.length}; answered "no agent" ${ratio(refused, nones.length)}, routed anyway ${ratio(nones.length - refused, nones.length)}`);
  out(`answered as expected, all requests (right agent, workflow reached, asked, "no agent"): ${ratio(top1 + reached + asked + refused, outcomes.length)}`);
  out(`ask rate (the router asked, all requests): ${ratio(asksOverall, outcomes.length)}`);
  out(`ambiguity rate (registry search's runner-up within ${CLOSE_CALL} points of the best, all requests): ${ratio(closeCalls, outcomes.length)}`);
  out();
  out('per expected agent (top-1 / top-3):');
  const byAgent = new Map<string, Outcome[]>();
  for (const o of agents) byAgent.set(o.request.expected, [...(byAgent.get(o.request.expected) ?? []), o]);
  for (const [agent, list] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
    out(`  ${agent.padEnd(22)} ${String(list.filter((o) => right(o, o.chosen)).length).padStart(2)}/${list.length}  ${String(list.filter((o) => o.top3.some((id) => right(o, id))).length).padStart(2)}/${list.length}`);
  }
  out();
  out(all ? 'every request (hits marked +):' : 'misses:');
  for (const o of outcomes) {
    const hit = isHit(o);
    if (hit && !all) continue;
    out(`${hit ? '+ ' : '  '}[${o.request.accepted.join('|')}] "${o.request.text}"`);
    out(`      got ${o.reason}; top-3 ${o.top3.join(', ') || '-'}${o.closeCall ? '; close call' : ''}`);
  }
  out();
  const name = `${set.file}${set.role === 'tuning' || set.role === 'calibration' ? ` (${set.role})` : ''}`;
  return `  ${name.padEnd(36)} top-1 ${pct(top1, agents.length)}  top-3 ${pct(top3, agents.length)}  search ${pct(search1, agents.length)}  none ${refused}/${nones.length}  wrong-none ${wrongNone}/${agents.length}  asks ${asksOverall}/${outcomes.length}`;
}

function pct(n: number, total: number): string {
  return total === 0 ? '-' : `${((100 * n) / total).toFixed(1)}%`;
}

function ratio(n: number, total: number): string {
  return `${n}/${total} (${total === 0 ? '-' : `${((100 * n) / total).toFixed(1)}%`})`;
}

main().catch((err: unknown) => {
  process.stderr.write(`eval:routing failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
