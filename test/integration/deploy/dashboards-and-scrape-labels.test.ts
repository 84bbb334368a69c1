/**
 * The Grafana dashboards and the scrape configurations they read, kept in
 * step: each dashboard has a stable `uid` (links and provisioning updates
 * keep pointing at it), and every `role` a dashboard query filters on is a
 * label each shipped scrape configuration sets (Compose's Prometheus, the
 * sample deploy/prometheus/prometheus.yml, the Kubernetes ServiceMonitors).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';

const deploy = join(import.meta.dirname, '..', '..', '..', 'deploy');
const dashboardsDir = join(deploy, 'grafana', 'dashboards');
const dashboards = readdirSync(dashboardsDir).filter((f) => f.endsWith('.json')).map((file) => ({ file, text: readFileSync(join(dashboardsDir, file), 'utf8') }));

test('every dashboard has a uid of its own, its file name', () => {
  const uids = dashboards.map(({ file, text }) => {
    const uid = (JSON.parse(text) as { uid?: string }).uid;
    assert.equal(uid, basename(file, '.json'), `${file}: uid`);
    assert.ok(uid.length <= 40, `${file}: Grafana's uid limit is 40 characters`);
    return uid;
  });
  assert.equal(new Set(uids).size, uids.length);
});

test('every role a dashboard filters on is labelled by each shipped scrape configuration', () => {
  const filtered = new Set(dashboards.flatMap(({ text }) => [...text.matchAll(/role=\\"(\w+)\\"/g)].map((m) => m[1]!)));
  assert.ok(filtered.size > 0, 'the dashboards filter on role');
  type ScrapeConfig = { job_name: string; static_configs?: { labels?: Record<string, string> }[]; relabel_configs?: { target_label?: string; replacement?: string }[] };
  const rolesOf = (file: string): Set<string> => {
    const config = parse(readFileSync(file, 'utf8')) as { scrape_configs: ScrapeConfig[] };
    return new Set(
      config.scrape_configs.flatMap((job) => [
        ...(job.static_configs ?? []).map((s) => s.labels?.['role']),
        ...(job.relabel_configs ?? []).filter((r) => r.target_label === 'role').map((r) => r.replacement),
      ]).filter((role): role is string => role !== undefined),
    );
  };
  for (const file of [join(deploy, 'compose', 'prometheus.yml'), join(deploy, 'prometheus', 'prometheus.yml')]) {
    const roles = rolesOf(file);
    for (const role of filtered) assert.ok(roles.has(role), `${file} sets no role="${role}"`);
  }
  // ServiceMonitors: the role label comes from the pod's component label (gateway, registry, agents, orchestrator).
  for (const file of [join(deploy, 'kubernetes', 'production', 'monitoring.yaml'), join(deploy, 'kubernetes', 'components', 'mesh-tls', 'service-monitors.yaml')]) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const monitor = doc.toJS() as { kind?: string; spec?: { endpoints?: { relabelings?: { sourceLabels?: string[]; targetLabel?: string }[] }[] } };
      if (monitor?.kind !== 'ServiceMonitor') continue;
      for (const endpoint of monitor.spec?.endpoints ?? []) {
        const relabel = endpoint.relabelings?.find((r) => r.targetLabel === 'role');
        assert.deepEqual(relabel?.sourceLabels, ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], `${file}: an endpoint without the role label`);
      }
    }
  }
});
