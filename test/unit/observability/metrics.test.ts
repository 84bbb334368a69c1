import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics, prefersOpenMetrics } from '../../../src/observability/metrics.js';

describe('createMetrics', () => {
  test('returns the same metric when asked twice for one name', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const a = metrics.counter('agentmesh_runtime_tasks_total', 'Tasks.', ['agent']);
    const b = metrics.counter('agentmesh_runtime_tasks_total', 'Tasks.', ['agent']);
    assert.equal(a, b);
    assert.equal(metrics.histogram('agentmesh_x_seconds', 'X.', []), metrics.histogram('agentmesh_x_seconds', 'X.', []));
    assert.equal(metrics.gauge('agentmesh_y_items', 'Y.', ['k']), metrics.gauge('agentmesh_y_items', 'Y.', ['k']));
  });

  test('prefixes names given without the prefix, so both spellings are one metric', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    assert.equal(metrics.counter('http_hits_total', 'Hits.'), metrics.counter('agentmesh_http_hits_total', 'Hits.'));
  });

  test('refuses the same name with another type or other labels', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.counter('agentmesh_a_total', 'A.', ['x']);
    assert.throws(() => metrics.gauge('agentmesh_a_total', 'A.', ['x']), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'AM_ERR_INTERNAL');
      assert.match(err.message ?? '', /already registered as a counter/);
      return true;
    });
    assert.throws(() => metrics.counter('agentmesh_a_total', 'A.', ['y']), { code: 'AM_ERR_INTERNAL' });
  });

  test('renders the Prometheus text format with its content type', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.counter('agentmesh_runtime_tasks_total', 'Tasks created.', ['agent']).inc({ agent: 'sales' }, 3);
    metrics.histogram('agentmesh_runtime_task_seconds', 'Task time.', ['agent'], [0.1, 1]).observe({ agent: 'sales' }, 0.5);
    metrics.gauge('agentmesh_runtime_tasks_running', 'Running.').set(2);
    const { contentType, body } = await metrics.render();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    assert.match(body, /# HELP agentmesh_runtime_tasks_total Tasks created\./);
    assert.match(body, /# TYPE agentmesh_runtime_tasks_total counter/);
    assert.match(body, /agentmesh_runtime_tasks_total\{agent="sales"\} 3/);
    assert.match(body, /agentmesh_runtime_task_seconds_bucket\{le="1",agent="sales"\} 1/);
    assert.match(body, /agentmesh_runtime_tasks_running 2/);
  });

  test('a gauge with collect is computed at each scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let value = 1;
    metrics.gauge('agentmesh_z_age_seconds', 'Age.', [], (gauge) => gauge.set(value));
    assert.match((await metrics.render()).body, /agentmesh_z_age_seconds 1/);
    value = 7;
    assert.match((await metrics.render()).body, /agentmesh_z_age_seconds 7/);
  });

  test('keeps two instances apart (no global registry)', async () => {
    const one = createMetrics({ defaultMetrics: false });
    const two = createMetrics({ defaultMetrics: false });
    one.counter('agentmesh_same_total', 'Same.').inc(5);
    two.counter('agentmesh_same_total', 'Same.').inc(1);
    assert.match((await one.render()).body, /agentmesh_same_total 5/);
    assert.match((await two.render()).body, /agentmesh_same_total 1/);
  });

  test('collects prefixed process metrics by default', async () => {
    const { body } = await createMetrics().render();
    assert.match(body, /agentmesh_process_cpu_user_seconds_total/);
    assert.match(body, /agentmesh_nodejs_eventloop_lag_seconds/);
  });

  test('rejects an invalid prefix', () => {
    assert.throws(() => createMetrics({ prefix: 'bad-prefix' }), { code: 'AM_ERR_CONFIG_INVALID' });
  });
});

describe('OpenMetrics and exemplars', () => {
  test('serves OpenMetrics only to a scrape that ranks it at least as high as text/plain', () => {
    assert.equal(prefersOpenMetrics('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'), true);
    assert.equal(prefersOpenMetrics('application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3'), true);
    assert.equal(prefersOpenMetrics('text/plain;version=0.0.4,application/openmetrics-text;q=0.5'), false);
    assert.equal(prefersOpenMetrics('application/openmetrics-text;q=0'), false);
    assert.equal(prefersOpenMetrics('*/*'), false);
    assert.equal(prefersOpenMetrics(undefined), false);
  });

  test('shows exemplars to OpenMetrics scrapes only, and a text scrape after one keeps counter names', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.counter('demo_total', 'Demo.').inc();
    const h = metrics.histogram('demo_seconds', 'Demo latency.', ['route'], [0.1, 1], true);
    h.observe({ labels: { route: '/a' }, value: 0.05, exemplarLabels: { trace_id: 'abc123' } });
    const om = await metrics.render('application/openmetrics-text;version=1.0.0');
    assert.match(om.contentType, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.match(om.body, /^agentmesh_demo_seconds_bucket\{le="0.1",route="\/a"\} 1 # \{trace_id="abc123"\} 0.05 \d+(\.\d+)?$/m);
    assert.match(om.body, /^agentmesh_demo_total 1$/m);
    assert.ok(om.body.endsWith('# EOF\n'));
    const text = await metrics.render('*/*');
    assert.match(text.contentType, /^text\/plain; version=0\.0\.4/);
    assert.match(text.body, /^# TYPE agentmesh_demo_total counter$/m, 'the counter keeps its _total name');
    assert.match(text.body, /^agentmesh_demo_total 1$/m);
    assert.ok(!text.body.includes(' # {'), 'no exemplar in the text format');
  });
});
