import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ROUTE_THRESHOLDS, routeVerdict } from '../../../../src/orchestrator/router/route-thresholds.js';
import type { RankedCandidate } from '../../../../src/ranking/index.js';

const candidate = (id: string, raw: number, coverage: number, evidence = 2): RankedCandidate => ({ id, kind: 'agent', raw, coverage, evidence, score: 0, matched: [], cues: [] });

describe('the router\'s verdict on a ranking', () => {
  test('nothing ranked, or a best candidate too weak and alone, is "no agent"', () => {
    assert.equal(routeVerdict([]).kind, 'none');
    assert.equal(routeVerdict([candidate('hr', 1, 0.5)]).kind, 'none');
    assert.equal(routeVerdict([candidate('hr', 10, 0.1)]).kind, 'none', 'a strong word of a long foreign request');
  });

  test('a strong candidate is routed to; one word alone needs more', () => {
    const strong = routeVerdict([candidate('hr', ROUTE_THRESHOLDS.minRaw, 0.5, 2), candidate('finance', 0.5, 0.2)]);
    assert.equal(strong.kind === 'route' && strong.chosen.id, 'hr');
    const single = routeVerdict([candidate('campaign', ROUTE_THRESHOLDS.minRawSingle - 0.01, 0.7, 1), candidate('x', ROUTE_THRESHOLDS.minRawSingle - 0.5, 0.1, 1)]);
    assert.notEqual(single.kind, 'route', '"plan a wedding": one word matched is not a campaign');
  });

  test('a candidate alone in its field needs less: the runner-up at most `dominance` of it', () => {
    const raw = ROUTE_THRESHOLDS.minRawDominant;
    // minRaw above the candidate's score: only the dominance rule can route it.
    const alone = routeVerdict([candidate('hr', raw, ROUTE_THRESHOLDS.dominantCoverage, 2), candidate('legal', raw * ROUTE_THRESHOLDS.dominance, 0.2)], { ...ROUTE_THRESHOLDS, minRaw: raw + 1 });
    assert.equal(alone.kind, 'route');
    const crowded = routeVerdict([candidate('hr', raw, ROUTE_THRESHOLDS.dominantCoverage, 2), candidate('legal', raw * 0.99, 0.2)], { ...ROUTE_THRESHOLDS, minRaw: raw + 1 });
    assert.equal(crowded.kind, 'none');
  });

  test('a thin margin lists only the runner-up: the caller chooses between the top two', () => {
    const verdict = routeVerdict([candidate('lead-scorer', 8, 0.6), candidate('sales', 7.9, 0.6), candidate('data-engineer', 7.8, 0.6)]);
    assert.ok(verdict.kind === 'route');
    assert.deepEqual(verdict.close.map((c) => c.id), ['sales']);
    const clear = routeVerdict([candidate('lead-scorer', 8, 0.6), candidate('sales', 8 * ROUTE_THRESHOLDS.askRatio - 0.1, 0.6)]);
    assert.ok(clear.kind === 'route' && clear.close.length === 0);
  });

  test('vague requests ask among the candidates that cover them; the weak rule asks about the top two when enabled', () => {
    const vague = routeVerdict([candidate('lead-scorer', 1.5, 0.7, 1), candidate('data-engineer', 1.4, 0.7, 1), candidate('sales', 1, 0.2, 1)]);
    assert.ok(vague.kind === 'ask' && vague.why === 'vague');
    assert.deepEqual(vague.asked.map((c) => c.id), ['lead-scorer', 'data-engineer']);
    const weak = [candidate('support', 1.8, 0.4, 1), candidate('hr', 0.5, 0.1, 1)];
    assert.equal(routeVerdict(weak).kind, Number.isFinite(ROUTE_THRESHOLDS.minRawWeak) && 1.8 >= ROUTE_THRESHOLDS.minRawWeak ? 'ask' : 'none');
    const asked = routeVerdict(weak, { ...ROUTE_THRESHOLDS, minRawWeak: 1.5, weakCoverage: 0.3 });
    assert.ok(asked.kind === 'ask' && asked.why === 'weak');
    assert.deepEqual(asked.asked.map((c) => c.id), ['support', 'hr']);
  });

  test('property: a stronger best candidate is never refused where a weaker one was routed, and every id offered is a candidate', () => {
    const arbitrary = fc.array(fc.record({ raw: fc.double({ min: 0.01, max: 20, noNaN: true }), coverage: fc.double({ min: 0, max: 1, noNaN: true }), evidence: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(arbitrary, fc.double({ min: 0, max: 10, noNaN: true }), (list, boost) => {
        const ranked = list.map((c, i) => candidate(`a${i}`, c.raw, c.coverage, c.evidence)).sort((a, b) => b.raw - a.raw);
        const verdict = routeVerdict(ranked);
        const ids = new Set(ranked.map((c) => c.id));
        if (verdict.kind === 'ask') {
          assert.ok(verdict.asked.length >= 1 && verdict.asked.length <= 3 && verdict.asked.every((c) => ids.has(c.id)));
        }
        if (verdict.kind === 'route') {
          assert.equal(verdict.chosen.id, ranked[0]!.id);
          assert.ok(verdict.close.length <= 1);
          const stronger = [{ ...ranked[0]!, raw: ranked[0]!.raw + boost, evidence: ranked[0]!.evidence + 1 }, ...ranked.slice(1)];
          assert.equal(routeVerdict(stronger).kind, 'route');
        }
      }),
      { numRuns: 500 },
    );
  });
});
