import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DASHBOARDS = join(ROOT, 'deploy/grafana/dashboards');
const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')).sort();

interface Panel {
  type: string;
  title: string;
  id: number;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Array<{ expr?: string; refId?: string; datasource?: { type?: string; uid?: string } }>;
}

/** Every `datasource` object anywhere in the JSON, with where it is. */
function datasources(node: unknown, path = '$'): Array<{ path: string; value: unknown }> {
  if (Array.isArray(node)) return node.flatMap((v, i) => datasources(v, `${path}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key === 'datasource' ? [{ path: `${path}.${key}`, value }] : datasources(value, `${path}.${key}`)));
}

/** The metric names a PromQL expression reads (identifiers starting with agentmesh_ or naming `up`). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(agentmesh_[a-z0-9_]+)/g)].map((m) => m[1]!);
}

/** Whether the source registers `name` (histogram series suffixes stripped; the ledger registers its names without the prefix). */
function registered(name: string, source: string): boolean {
  const base = name.replace(/_(bucket|count|sum)$/, '');
  if (/^agentmesh_(process|nodejs)_/.test(base)) return true; // prom-client's default metrics, prefixed
  return source.includes(`'${base}'`) || source.includes(`'${base.replace(/^agentmesh_/, '')}'`);
}

function sourceText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('deploy/grafana: dashboards', () => {
  const source = sourceText(join(ROOT, 'src'));

  test('there is a dashboard for each area the issue names', () => {
    assert.deepEqual(files, ['agentmesh-agents.json', 'agentmesh-gateway-tenants.json', 'agentmesh-overview.json', 'agentmesh-registry.json', 'agentmesh-workflows.json']);
  });

  for (const file of files) {
    describe(file, () => {
      const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as { uid?: unknown; title: string; tags: string[]; templating: { list: Array<{ name: string; type: string; query: unknown }> }; panels: Panel[] };

      test('has a title, the agentmesh tag and a stable uid, its file name', () => {
        assert.match(dashboard.title, /^agentmesh \/ /);
        assert.ok(dashboard.tags.includes('agentmesh'));
        // Fixed, so links and bookmarks survive a re-provisioning and a second Grafana.
        assert.equal(dashboard.uid, file.replace(/\.json$/, ''));
      });

      test('takes its data source from the `datasource` variable and fixes no data source uid', () => {
        const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
        assert.deepEqual({ type: variable?.type, query: variable?.query }, { type: 'datasource', query: 'prometheus' });
        for (const { path, value } of datasources(dashboard)) {
          const ds = value as { type?: string; uid?: string };
          // The built-in annotation source is Grafana's own, not a data source.
          if (ds.type === 'grafana' && ds.uid === '-- Grafana --') continue;
          assert.deepEqual(ds, { type: 'prometheus', uid: '${datasource}' }, `${path} names a fixed data source`);
        }
      });

      test('every panel has a query, on the variable data source, reading metrics agentmesh registers', () => {
        const panels = dashboard.panels.filter((p) => p.type !== 'row');
        assert.ok(panels.length >= 8, `${panels.length} panels`);
        const ids = new Set<number>();
        for (const panel of panels) {
          assert.ok(!ids.has(panel.id), `panel id ${panel.id} is unique`);
          ids.add(panel.id);
          assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the 24-column grid`);
          assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, panel.title);
          assert.ok((panel.targets ?? []).length > 0, `${panel.title} has no query`);
          for (const target of panel.targets!) {
            assert.ok(target.expr && target.expr.trim().length > 0, `${panel.title} ${target.refId}: empty expr`);
            const names = metricNames(target.expr);
            assert.ok(names.length > 0 || /\bup\{/.test(target.expr), `${panel.title}: reads no agentmesh metric`);
            for (const name of names) assert.ok(registered(name, source), `${panel.title}: ${name} is registered nowhere in src/`);
          }
        }
      });
    });
  }

  test('the alert rules read only metrics agentmesh registers', () => {
    const rules = parse(readFileSync(join(ROOT, 'deploy/prometheus/rules.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      for (const name of metricNames(rule.expr)) assert.ok(registered(name, source), `${rule.alert}: ${name} is registered nowhere in src/`);
    }
  });

  test('the provisioning files name a Prometheus data source and the dashboards folder', () => {
    const datasource = parse(readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/prometheus.yaml'), 'utf8')) as { datasources: Array<{ type: string; uid?: string }> };
    assert.equal(datasource.datasources[0]?.type, 'prometheus');
    const provider = parse(readFileSync(join(ROOT, 'deploy/grafana/provisioning/dashboards/agentmesh.yaml'), 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> };
    assert.equal(provider.providers[0]?.type, 'file');
    assert.ok(provider.providers[0]?.options.path);
  });
});
