import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../../src/observability/index.js';

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
