import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeLocalEndpoints, writeLocalEndpoints, type LocalEndpoints } from '../../../../src/cli/role-apis/local-endpoints.js';

function endpointsOn(port: number): LocalEndpoints {
  const gateway = `http://localhost:${port + 200}`;
  return { agents: `http://localhost:${port}`, registry: `http://localhost:${port + 100}`, gateway, orchestrator: `http://localhost:${port + 300}`, acp: `http://localhost:${port + 10}/acp`, metrics: `http://127.0.0.1:${port + 290}/metrics`, console: `${gateway}/console/` };
}

test('a second up in the same folder that stops leaves the record of the first, which still runs', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'endpoints-'));
  const first = endpointsOn(4000);
  const second = endpointsOn(7000);
  assert.equal(writeLocalEndpoints(dataDir, first), true);
  assert.equal(writeLocalEndpoints(dataDir, second), true);
  removeLocalEndpoints(dataDir, first);
  assert.match(readFileSync(join(dataDir, 'endpoints.json'), 'utf8'), /localhost:7200/);
  removeLocalEndpoints(dataDir, second);
  assert.equal(existsSync(join(dataDir, 'endpoints.json')), false);
});
