import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkHistory } from './check-history.js';
import { INJECTORS } from './simulation/inject-anomaly.js';
import { simulateRun, type SimulationOptions } from './simulation/simulated-run.js';

/** Runs of the simulated correct system: a seed and the shape of the run. */
const runs: fc.Arbitrary<SimulationOptions> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  clients: fc.integer({ min: 1, max: 6 }),
  operations: fc.integer({ min: 30, max: 120 }),
  pInfo: fc.double({ min: 0, max: 0.25, noNaN: true }),
  pFail: fc.double({ min: 0, max: 0.1, noNaN: true }),
  faults: fc.integer({ min: 0, max: 4 }),
});

describe('the checker on simulated runs', () => {
  it('passes every history of a correct system, whatever its interleavings and info outcomes', () => {
    fc.assert(
      fc.property(runs, (options) => {
        const report = checkHistory(simulateRun(options));
        assert.deepEqual(report.properties.filter((p) => p.status !== 'pass').map((p) => ({ name: p.name, anomalies: p.anomalies })), []);
        assert.equal(report.verdict, 'valid');
      }),
      { numRuns: 150 },
    );
  });

  for (const [name, inject] of Object.entries(INJECTORS)) {
    it(`flags one injected anomaly, ${name}, under the right property`, () => {
      fc.assert(
        fc.property(runs, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (options, pickSeed) => {
          let state = pickSeed;
          const pick = (n: number): number => {
            state = (Math.imul(state ^ (state >>> 13), 0x5bd1e995) + 0x6b43a9b5) >>> 0;
            return state % n;
          };
          const injected = inject(simulateRun(options), pick);
          fc.pre(injected !== undefined);
          const report = checkHistory(injected!.ops);
          const property = report.properties.find((p) => p.name === injected!.property)!;
          assert.equal(property.status, 'fail', `${injected!.property} passed`);
          assert.ok(property.anomalies.some((a) => injected!.kinds.includes(a.kind)), `${injected!.property} found ${property.anomalies.map((a) => a.kind).join(', ')}, not ${injected!.kinds.join(' or ')}`);
          assert.equal(report.verdict, 'invalid');
        }),
        { numRuns: 60, maxSkipsPerRun: 1000 },
      );
    });
  }
});
