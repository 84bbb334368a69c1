import { describe, it } from 'node:test';
import { hundredThousandItemMapSurvivesKill } from '../../helpers/ledger-map-kill.js';

describe('a 100,000-item map on the embedded SQLite mesh, its orchestrator killed mid-map (processes)', () => {
  it('completes after a restart on the same data, each batch applied once, outputs whole and in order', async () => {
    await hundredThousandItemMapSurvivesKill({ agentInstances: 1 });
  });
});
