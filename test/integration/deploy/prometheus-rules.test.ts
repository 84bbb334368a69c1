// test-tier: tools (needs promtool)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { promtool, requireBinary } from '../../helpers/prometheus-binaries.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DIR = join(ROOT, 'deploy/prometheus');

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}
interface RuleTests {
  tests: Array<{ name: string; alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

const rules = parse(readFileSync(join(DIR, 'rules.yml'), 'utf8')) as RuleFile;
const alerts = rules.groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const tests = parse(readFileSync(join(DIR, 'rules.test.yml'), 'utf8')) as RuleTests;

/** GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) anchors.add(heading[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return anchors;
}

/** Runs `promtool test rules` on rules.test.yml against `rulesFile` (a copy of the tests beside it). */
function promtoolTestWith(rulesFile: RuleFile): { code: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agentmesh-rules-'));
  try {
    writeFileSync(join(dir, 'rules.yml'), stringify(rulesFile));
    copyFileSync(join(DIR, 'rules.test.yml'), join(dir, 'rules.test.yml'));
    return promtool(['test', 'rules', 'rules.test.yml'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rule file with one alert's expression replaced. */
function withExpr(alert: string, expr: string): RuleFile {
  return { groups: rules.groups.map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === alert ? { ...r, expr } : r)) })) };
}

describe('deploy/prometheus: alert rules', () => {
  test('promtool is installed (CI installs Debian\'s prometheus package)', () => {
    assert.match(requireBinary('promtool'), /promtool$/);
  });

  test('promtool check rules accepts rules.yml, and check config the sample prometheus.yml', () => {
    const checked = promtool(['check', 'rules', 'rules.yml'], DIR);
    assert.equal(checked.code, 0, checked.output);
    assert.match(checked.output, new RegExp(`SUCCESS: ${alerts.length} rules found`));
    const config = promtool(['check', 'config', 'prometheus.yml'], DIR);
    assert.equal(config.code, 0, config.output);
  });

  test('promtool test rules passes every case of rules.test.yml', () => {
    const run = promtool(['test', 'rules', 'rules.test.yml'], DIR);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /SUCCESS/);
  });

  test("the issue's alerts are all there: seed 004's four and the operational ones", () => {
    const names = alerts.map((a) => a.alert);
    for (const name of ['AgentDown', 'HighErrorRate', 'HighP99Latency', 'TenantCreditsLow', 'UpstreamBreakerOpen', 'PushDeadLettersGrowing', 'AuditChainVerificationFailing', 'TenantQuotaExhausted', 'DatabaseLatencyHigh', 'DatabaseWalGrowing', 'WorkflowRunsStuck']) {
      assert.ok(names.includes(name), `${name} is missing`);
    }
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
    assert.equal(alerts.find((a) => a.alert === 'AgentDown')?.for, '5m', 'seed 004: agent down 5 minutes');
    assert.equal(alerts.find((a) => a.alert === 'HighErrorRate')?.for, '10m', 'seed 004: error rate over 5% for 10 minutes');
    assert.match(alerts.find((a) => a.alert === 'HighErrorRate')!.expr, /> 0\.05/);
  });

  test('every alert has a severity, a summary and a runbook_url whose anchor exists in docs/runbooks.md', () => {
    const anchors = anchorsOf(readFileSync(join(ROOT, 'docs/runbooks.md'), 'utf8'));
    for (const alert of alerts) {
      assert.match(alert.labels?.['severity'] ?? '', /^(critical|warning)$/, `${alert.alert}: severity`);
      assert.ok(alert.annotations?.['summary'], `${alert.alert}: summary`);
      const url = alert.annotations?.['runbook_url'] ?? '';
      const match = /^docs\/runbooks\.md#(.+)$/.exec(url);
      assert.ok(match, `${alert.alert}: runbook_url ${url} points into docs/runbooks.md`);
      assert.ok(anchors.has(match[1]!), `${alert.alert}: docs/runbooks.md has no heading for #${match[1]}`);
    }
  });

  test('every alert has a case where it fires and one where it must not', () => {
    for (const alert of alerts) {
      const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === alert.alert);
      assert.ok(cases.some((c) => c.exp_alerts.length > 0), `${alert.alert} has no firing case`);
      assert.ok(cases.some((c) => c.exp_alerts.length === 0), `${alert.alert} has no not-firing case`);
    }
  });

  test('the cases bite: an alert that always fires, or never does, fails its tests', () => {
    for (const alert of alerts) {
      const always = promtoolTestWith(withExpr(alert.alert, 'vector(1)'));
      assert.notEqual(always.code, 0, `${alert.alert} firing all the time still passes:\n${always.output}`);
      const never = promtoolTestWith(withExpr(alert.alert, 'vector(1) < 0'));
      assert.notEqual(never.code, 0, `${alert.alert} never firing still passes:\n${never.output}`);
    }
  });
});
