import type { ContactRecord } from './dedupe.js';

/**
 * Reads records typed or pasted as text, one per line, fields separated by
 * commas, semicolons, tabs or pipes: the field with an @ is the email, the
 * first other field the name, the next the company. Lines ending in ":" are
 * taken as the request itself ("dedupe these:") and skipped, and so are
 * one-field lines among multi-field ones (prose around a pasted list).
 *
 * @example
 * contactLines('Jane Doe, jane@acme.com, Acme\nJ. Doe; jane@acme.com');
 * // [{ name: 'Jane Doe', email: 'jane@acme.com', company: 'Acme' }, { name: 'J. Doe', email: 'jane@acme.com' }]
 */
export function contactLines(text: string): ContactRecord[] {
  const records: Array<{ record: ContactRecord; fields: number }> = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim().replace(/^[-*•]\s+/, '');
    if (trimmed === '' || trimmed.endsWith(':')) continue;
    const fields = trimmed.split(/\s*[,;\t|]\s*/).map((f) => f.trim()).filter((f) => f !== '');
    const record: ContactRecord = {};
    const others: string[] = [];
    for (const field of fields) {
      const email = /<?([^\s<>]+@[^\s<>]+\.[a-z]{2,})>?/i.exec(field);
      if (email && record.email === undefined) {
        record.email = email[1]!;
        const rest = field.replace(email[0], '').trim();
        if (rest !== '') others.push(rest);
      } else {
        others.push(field);
      }
    }
    if (others[0] !== undefined) record.name = others[0];
    if (others[1] !== undefined) record.company = others[1];
    if (record.name !== undefined || record.email !== undefined) records.push({ record, fields: fields.length });
  }
  const tabular = records.some((r) => r.fields > 1);
  return records.filter((r) => !tabular || r.fields > 1).map((r) => r.record);
}
