import type { HistoryReport } from './check-history.js';

/** At most this many anomalies of one property are printed; the count says how many there were. */
const SHOWN = 20;

/** The report as a person reads it: counts, then each property's verdict with its anomalies. */
export function reportText(report: HistoryReport): string {
  const { counts } = report;
  const out: string[] = [];
  out.push(`History: ${counts.lines.invoke} invocations; completions ${counts.lines.ok} ok, ${counts.lines.fail} fail, ${counts.lines.info} info; ${counts.info} operations info or unfinished; ${counts.nemesis} nemesis lines`);
  for (const [f, c] of Object.entries(counts.byF).sort(([a], [b]) => a.localeCompare(b))) out.push(`  ${f.padEnd(12)} ok ${c.ok}, fail ${c.fail}, info ${c.info}`);
  out.push('');
  for (const p of report.properties) {
    out.push(`${p.status.toUpperCase().padEnd(7)} ${p.name}: ${p.title} (${p.checked})`);
    for (const note of p.notes) out.push(`        note: ${note}`);
    for (const a of p.anomalies.slice(0, SHOWN)) out.push(`        ${a.kind}${a.key === undefined ? '' : ` [${a.key}]`} ops ${a.ops.join(', ')}: ${a.explanation}`);
    if (p.anomalies.length > SHOWN) out.push(`        … and ${p.anomalies.length - SHOWN} more`);
  }
  out.push('', `Verdict: ${report.verdict}`);
  return `${out.join('\n')}\n`;
}
