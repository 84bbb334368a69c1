// test-tier: tools (needs prometheus)
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMetricsListener } from '../../../src/http/index.js';
import { createLogger, createMetrics } from '../../../src/observability/index.js';
import { requireBinary } from '../../helpers/prometheus-binaries.js';
import { until } from '../../helpers/until.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A free TCP port for Prometheus's own listener (it takes no port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A real Prometheus prefers OpenMetrics when it scrapes: the exposition in
 * that format (with exemplars) must parse, keep every series name the text
 * format has (dashboards and rules query those), and store the exemplars.
 */
describe('an OpenMetrics scrape by a real Prometheus', () => {
  const metrics = createMetrics({});
  const listener = createMetricsListener({ metrics, host: '127.0.0.1', port: 0, logger: createLogger({ level: 'silent' }) });
  let prometheus: ChildProcess | undefined;
  let api = '';
  let dir = '';

  before(async () => {
    const binary = requireBinary('prometheus');
    const requests = metrics.counter('agentmesh_demo_requests_total', 'Demo requests.', ['route']);
    const latency = metrics.histogram('agentmesh_demo_duration_seconds', 'Demo latency.', ['route'], [0.1, 1], true);
    requests.inc({ route: '/a' });
    latency.observe({ labels: { route: '/a' }, value: 0.05, exemplarLabels: { trace_id: TRACE_ID } });
    const { url } = await listener.listen();
    dir = mkdtempSync(join(tmpdir(), 'agentmesh-om-'));
    const port = await freePort();
    const target = new URL(url);
    writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: agentmesh\n    static_configs: [{ targets: ['${target.host}'] }]\n`);
    prometheus = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--enable-feature=exemplar-storage'], { stdio: 'ignore' });
    api = `http://127.0.0.1:${port}/api/v1`;
  });
  after(async () => {
    prometheus?.kill('SIGTERM');
    await listener.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const query = async (path: string): Promise<any> => {
    try {
      const res = await fetch(`${api}${path}`);
      return res.ok ? ((await res.json()) as any).data : undefined;
    } catch {
      return undefined; // not listening yet
    }
  };

  it('parses the scrape, keeps the series names and stores the trace exemplar', async () => {
    await until('Prometheus has scraped the target', async () => (await query('/targets'))?.activeTargets?.[0]?.health === 'up');
    const target = (await query('/targets')).activeTargets[0];
    assert.equal(target.lastError, '', 'the scrape parsed');
    for (const series of ['agentmesh_demo_requests_total', 'agentmesh_demo_duration_seconds_bucket', 'agentmesh_demo_duration_seconds_count', 'agentmesh_process_cpu_seconds_total']) {
      await until(`${series} is stored`, async () => ((await query(`/query?query=${encodeURIComponent(series)}`))?.result?.length ?? 0) > 0);
    }
    const now = Date.now() / 1000;
    await until(
      'the exemplar is stored',
      async () => {
        const data = await query(`/query_exemplars?query=${encodeURIComponent('agentmesh_demo_duration_seconds_bucket')}&start=${now - 600}&end=${now + 60}`);
        return JSON.stringify(data ?? []).includes(TRACE_ID);
      },
      10_000,
    );
  });
});
