/**
 * `npm run calibrate:routing`: chooses the router's thresholds
 * (src/orchestrator/router/route-thresholds.ts) on the CALIBRATION set only
 * (`eval/routing/calibration.jsonl`, ADR 0030): paraphrases the vocabulary
 * was not learned from (that is `tuning.jsonl`), so that the thresholds are
 * set on scores as low as unseen phrasings get — never on an evaluation set.
 *
 * Ranks every tuning request once, as the router does (an embedded registry
 * and the example agents), then tries every combination of the grid below
 * on those rankings with the router's own pure `routeVerdict`:
 * 1. no request that no agent does may be routed more often than with the
 *    thresholds before ADR 0030 (precision must not drop);
 * 2. among those, the most agent requests that reach a right agent: routed
 *    to it, or asked about it (the caller chooses between the top two);
 * 3. then the fewest agent requests answered "no agent", the most routed
 *    right at once, the fewest asks, and the smallest change from the
 *    values as they stand.
 * Prints the best combination and its figures; the values are copied into
 * route-thresholds.ts by hand, so a change is a reviewed commit.
 */
import { fileURLToPath } from 'node:url';
import { loadWorkflowFolder } from '../../src/orchestrator/index.js';
import { decideRoute, RegistryReader, routableWorkflow, ROUTE_THRESHOLDS, routeVerdict, type RouteThresholds } from '../../src/orchestrator/router/index.js';
import type { RankedCandidate } from '../../src/ranking/index.js';
import { startMesh } from './mesh.js';
import { kindOf, readRequestSet, type RoutingRequest } from './request-set.js';

const GRID: { [K in keyof RouteThresholds]: number[] } = {
  minCoverage: [0.2],
  minRaw: [2.5, 3, 3.4, 4],
  minRawSingle: [3.4, 4.5, 5, 6, 8],
  minRawFocused: [1.5, 2, 2.5],
  vagueCoverage: [0.6],
  minRawDominant: [1.5, 2, 2.5, 3],
  dominantCoverage: [0.3, 0.4, 0.5],
  dominance: [0.3, 0.4, 0.5, 0.6],
  minRawWeak: [1, 1.5, 2, 2.5, Number.POSITIVE_INFINITY],
  weakCoverage: [0.2, 0.3, 0.4],
  // Kept as ADR 0019 set it: the calibration set has no ambiguous requests to set it on (fewer asks would always look better).
  askRatio: [0.85],
};

/** The thresholds before ADR 0030: no dominance rule, asks within 15%. */
const BEFORE: Partial<RouteThresholds> = { minRaw: 3.4, minRawSingle: 3.4, minRawFocused: 2, vagueCoverage: 0.6, minRawDominant: Number.POSITIVE_INFINITY, minRawWeak: Number.POSITIVE_INFINITY, askRatio: 0.85 };

interface Score {
  right: number;
  /** Routed right, or asked with a right agent among the choices: the caller reaches the right agent. */
  reached: number;
  wrongNone: number;
  asks: number;
  refused: number;
  change: number;
}

function evaluate(rankings: Array<{ request: RoutingRequest; candidates: RankedCandidate[] }>, t: RouteThresholds): Score {
  const score: Score = { right: 0, reached: 0, wrongNone: 0, asks: 0, refused: 0, change: 0 };
  for (const { request, candidates } of rankings) {
    const verdict = routeVerdict(candidates, t);
    const kind = kindOf(request.expected);
    const answer = verdict.kind === 'route' ? (verdict.close.length > 0 ? 'ask' : verdict.chosen.id) : verdict.kind;
    const offered = verdict.kind === 'ask' ? verdict.asked.map((c) => c.id) : verdict.kind === 'route' && verdict.close.length > 0 ? [verdict.chosen.id, ...verdict.close.map((c) => c.id)] : [];
    if (kind === 'agent' && (request.accepted.includes(answer) || offered.some((id) => request.accepted.includes(id)))) score.reached += 1;
    if (answer === 'ask') score.asks += 1;
    if (kind === 'none' && answer === 'none') score.refused += 1;
    if (kind === 'agent' && answer === 'none') score.wrongNone += 1;
    if (kind === 'agent' && request.accepted.includes(answer)) score.right += 1;
  }
  for (const key of Object.keys(t) as Array<keyof RouteThresholds>) if (t[key] !== ROUTE_THRESHOLDS[key]) score.change += Number.isFinite(t[key] - ROUTE_THRESHOLDS[key]) ? Math.abs(t[key] - ROUTE_THRESHOLDS[key]) / ROUTE_THRESHOLDS[key] : 1;
  return score;
}

function* combinations(): Generator<RouteThresholds> {
  const keys = Object.keys(GRID) as Array<keyof RouteThresholds>;
  const walk = function* (i: number, partial: Partial<RouteThresholds>): Generator<RouteThresholds> {
    if (i === keys.length) {
      yield partial as RouteThresholds;
      return;
    }
    for (const value of GRID[keys[i]!]) yield* walk(i + 1, { ...partial, [keys[i]!]: value });
  };
  yield* walk(0, {});
}

async function main(): Promise<void> {
  const file = fileURLToPath(new URL('../../eval/routing/calibration.jsonl', import.meta.url));
  const requests = readRequestSet(file).filter((r) => kindOf(r.expected) === 'agent' || kindOf(r.expected) === 'none');
  const mesh = await startMesh();
  try {
    const registry = new RegistryReader({ url: mesh.registryUrl });
    const folder = await loadWorkflowFolder(fileURLToPath(new URL('../../workflows/', import.meta.url)));
    const workflows = folder.workflows.map(routableWorkflow);
    const rankings: Array<{ request: RoutingRequest; candidates: RankedCandidate[] }> = [];
    for (const request of requests) {
      const decision = await decideRoute({ registry, self: 'orchestrator', text: request.text, tenant: 'default', workflows });
      rankings.push({ request, candidates: decision.explain.candidates });
    }
    const current = evaluate(rankings, { ...ROUTE_THRESHOLDS });
    // The precision floor: the router before the dominance rule (ADR 0019's thresholds) refused this many "none" requests.
    const floor = evaluate(rankings, { ...ROUTE_THRESHOLDS, ...BEFORE }).refused;
    let best: { t: RouteThresholds; s: Score } | undefined;
    let tried = 0;
    for (const t of combinations()) {
      tried += 1;
      const s = evaluate(rankings, t);
      if (s.refused < floor) continue;
      if (best === undefined) {
        best = { t, s };
        continue;
      }
      const order = [s.reached - best!.s.reached, best!.s.wrongNone - s.wrongNone, s.right - best!.s.right, best!.s.asks - s.asks, best!.s.change - s.change];
      const better = (order.find((d) => d !== 0) ?? 0) > 0;
      if (better) best = { t, s };
    }
    const agents = requests.filter((r) => kindOf(r.expected) === 'agent').length;
    const nones = requests.length - agents;
    const line = (s: Score): string => `reached ${s.reached}/${agents}, right at once ${s.right}/${agents}, answered "no agent" wrongly ${s.wrongNone}/${agents}, "none" refused ${s.refused}/${nones}, asks ${s.asks}`;
    process.stdout.write(`calibration set: ${requests.length} requests (${file}); ${tried} combinations tried\n`);
    process.stdout.write(`precision floor: ${floor}/${nones} "none" requests refused, as before ADR 0030\n`);
    process.stdout.write(`as they stand: ${line(current)}\n  ${JSON.stringify(ROUTE_THRESHOLDS)}\n`);
    if (best !== undefined) process.stdout.write(`best:          ${line(best.s)}\n  ${JSON.stringify(best.t)}\n`);
  } finally {
    await mesh.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`calibrate:routing failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
