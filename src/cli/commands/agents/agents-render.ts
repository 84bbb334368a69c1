/**
 * Human output of `agentmesh agents …`: records, instances, health, search
 * results and configs as aligned tables and `label value` blocks. `--json`
 * never goes through here: it prints the registry's own JSON.
 */
import type { AgentConfigVersion, AgentInstance } from '../../../contracts/registry/index.js';
import type { AgentHealthReport, SearchResult, WireAgentRecord } from '../../role-apis/registry-client.js';

const LABEL_WIDTH = 12;
/** Descriptions are cut here in tables, so a row fits a terminal. */
const DESCRIPTION_WIDTH = 60;

/** Rows under a header, columns aligned with two spaces; the last column is not padded. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((r) => (r[col] ?? '').length)));
  const last = header.length - 1;
  return all.map((r) => r.map((cell, col) => (col < last ? cell.padEnd((widths[col] ?? 0) + 2) : cell)).join('').trimEnd() + '\n').join('');
}

/** `label value` lines; pairs without a value are left out, multi-line values indented. */
export function fields(pairs: ReadonlyArray<readonly [string, string | undefined]>): string {
  const pad = ' '.repeat(LABEL_WIDTH);
  return pairs
    .filter((p): p is readonly [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([label, value]) => `${label.padEnd(LABEL_WIDTH)}${value.split('\n').join(`\n${pad}`)}\n`)
    .join('');
}

function cut(text: string | undefined, width = DESCRIPTION_WIDTH): string {
  const oneLine = (text ?? '').replace(/\s+/g, ' ').trim();
  return oneLine.length <= width ? oneLine : `${oneLine.slice(0, width - 1)}…`;
}

function ms(value: number | undefined): string {
  return value === undefined ? '' : `${value} ms`;
}

/** Agents as a table: name, status, health, department, version, description. */
export function formatAgentTable(records: readonly WireAgentRecord[]): string {
  if (records.length === 0) return 'no agents\n';
  return table(
    ['NAME', 'STATUS', 'HEALTH', 'DEPARTMENT', 'VERSION', 'DESCRIPTION'],
    records.map((r) => [r.name, r.status, r.health, r.metadata.department ?? '', r.card.version ?? '', cut(r.card.description)]),
  );
}

/** How many instances serve, e.g. `healthy (2 of 3 instances in rotation)`. */
export function healthSummary(health: string, instances: readonly AgentInstance[]): string {
  if (instances.length === 0) return `${health} (no instances)`;
  const serving = instances.filter((i) => i.inRotation).length;
  return `${health} (${serving} of ${instances.length} instance${instances.length === 1 ? '' : 's'} in rotation)`;
}

/** One agent: record fields, a health summary, then its instances. */
export function formatAgent(record: WireAgentRecord, instances: readonly AgentInstance[]): string {
  const m = record.metadata;
  const sla = m.sla && [m.sla.tier, m.sla.availability !== undefined ? `${m.sla.availability}% available` : '', m.sla.maxLatencyMs !== undefined ? `max ${m.sla.maxLatencyMs} ms` : ''].filter(Boolean).join(', ');
  const skills = record.card.skills.map((s) => `${s.id}${s.name && s.name !== s.id ? ` (${s.name})` : ''}${s.description ? `: ${cut(s.description, 70)}` : ''}`).join('\n');
  const head = fields([
    ['name', record.name],
    ['identifier', record.identifier],
    ['description', record.card.description],
    ['version', record.card.version],
    ['status', record.status],
    ['health', healthSummary(record.health, instances)],
    ['department', m.department],
    ['owner', m.owner],
    ['cost center', m.costCenter],
    ['sla', sla],
    ['regions', m.regions?.join(', ')],
    ['tenants', m.tenants?.length ? m.tenants.join(', ') : undefined],
    ['tags', m.tags?.join(', ')],
    ['skills', skills],
    ['card url', record.cardUrl],
    ['signed', record.signed ? 'yes' : 'no'],
    ['ownership', record.ownership && `${record.ownership.domain}: ${record.ownership.status}${record.ownership.method !== undefined ? ` (${record.ownership.method})` : ''}`],
    ['review', record.review && `a card change waits for review since ${record.review.submittedAt} (agentmesh agents review show ${record.name})`],
    ['config', record.activeConfigVersion !== undefined ? `version ${record.activeConfigVersion}` : 'none'],
    ['docs', m.documentationUrl],
    ['revision', String(record.revision)],
    ['updated', record.updatedAt],
  ]);
  return `${head}\n${instances.length === 0 ? 'no instances\n' : formatInstanceTable(instances)}`;
}

/** Instances as a table: id, url, region, version, kind, probe state, latency, rotation, lease. */
export function formatInstanceTable(instances: readonly AgentInstance[]): string {
  return table(
    ['INSTANCE', 'URL', 'REGION', 'VERSION', 'KIND', 'PROBE', 'LATENCY', 'ROTATION', 'LEASE EXPIRES'],
    instances.map((i) => [i.id, i.url, i.region ?? '', i.version ?? '', i.kind, i.probe.state, ms(i.probe.latencyMs), i.inRotation ? 'in' : 'out', i.leaseExpiresAt ?? '']),
  );
}

/** Health: the verdict, each instance (up/down, latency, last error), then its recent probes, newest first. */
export function formatHealth(report: AgentHealthReport, historySize: number): string {
  let out = fields([
    ['agent', report.agent],
    ['health', healthSummary(report.health, report.instances)],
  ]);
  if (report.instances.length === 0) return `${out}\nno instances\n`;
  out += `\n${table(
    ['INSTANCE', 'URL', 'STATE', 'ROTATION', 'LATENCY', 'LAST PROBE', 'FAILURES', 'LAST ERROR'],
    report.instances.map((i) => [i.id, i.url, i.probe.state, i.inRotation ? 'in' : 'out', ms(i.probe.latencyMs), i.probe.lastProbeAt ?? 'never', String(i.probe.consecutiveFailures), cut(i.probe.lastError, 80)]),
  )}`;
  for (const instance of report.instances) {
    const points = [...instance.history].sort((a, b) => b.at.localeCompare(a.at)).slice(0, historySize);
    out += `\nrecent probes of ${instance.id}${points.length === 0 ? ': none yet' : ''}\n`;
    for (const p of points) out += `  ${p.at}  ${p.ok ? 'up  ' : 'down'}  ${ms(p.latencyMs).padEnd(8)}${p.error ? `  ${cut(p.error, 80)}` : ''}`.trimEnd() + '\n';
  }
  return out;
}

/** Search results, best first: score, name, description. */
export function formatSearchResults(results: readonly SearchResult[]): string {
  if (results.length === 0) return 'no matching agents\n';
  return table(
    ['SCORE', 'NAME', 'DESCRIPTION'],
    results.map((r) => [String(Math.round(r.score)), String(r.metadata?.['name'] ?? r.displayName), cut(r.description)]),
  );
}

/** One config version: its facts, then the config as indented JSON. */
export function formatConfigVersion(version: AgentConfigVersion): string {
  return (
    fields([
      ['agent', version.agent],
      ['version', `${version.version}${version.active ? ' (active)' : ''}`],
      ['created', version.createdAt],
      ['by', version.createdBy],
      ['comment', version.comment],
    ]) + `\n${JSON.stringify(version.config, null, 2)}\n`
  );
}

/** Config history, newest first: version, active mark, created, by, comment. */
export function formatConfigHistory(versions: readonly AgentConfigVersion[]): string {
  if (versions.length === 0) return 'no config versions\n';
  return table(
    ['VERSION', 'ACTIVE', 'CREATED', 'BY', 'COMMENT'],
    versions.map((v) => [String(v.version), v.active ? '*' : '', v.createdAt, v.createdBy ?? '', cut(v.comment)]),
  );
}
