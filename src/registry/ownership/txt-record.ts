/*
 * The TXT record an owner publishes at `_agentmesh.<domain>` to prove the
 * domain's control (docs/registry.md#ownership-verification):
 *
 *     v=agentmesh1; agent=lead-scorer; token=3q2-7wEjQhu5S8Fv0aZxXw
 *
 * A tag list as DKIM writes one (RFC 6376 §3.2): `name=value` pairs split by
 * `;`, white space around each part ignored, a `;` after the last allowed.
 * A name is a letter then letters, digits or `_`; a value is printable
 * ASCII without `;` (white space inside is kept). A name given twice makes
 * the record invalid. The first tag is `v=agentmesh1`: a TXT record that
 * does not start so is someone else's (SPF, a site verification) and is
 * passed over. `token` is required; `agent`, when present, must name the
 * record it proves (an operator's label, checked so that it cannot mislead);
 * other tags are ignored, for later versions to add.
 */

/** The tag list's version this registry reads. */
export const OWNERSHIP_TXT_VERSION = 'agentmesh1';

/** Where the TXT record is looked up: a name of its own, so the domain's apex keeps its other records. */
export function ownershipTxtName(domain: string): string {
  return `_agentmesh.${domain}`;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const VALUE = /^[\x21-\x3A\x3C-\x7E](?:[\x20-\x3A\x3C-\x7E]*[\x21-\x3A\x3C-\x7E])?$/;
const WSP = /^[ \t]+|[ \t]+$/g;
/** A registry-issued token: base64url, 16 to 128 characters. */
export const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** A tag list, or why the text is not one. */
export type TagListParse = { ok: true; tags: Map<string, string> } | { ok: false; reason: string };

/**
 * Parses a tag list; never throws.
 *
 * @example
 * parseTagList('v=agentmesh1; token=abc'); // { ok: true, tags: Map { 'v' => 'agentmesh1', 'token' => 'abc' } }
 * parseTagList('v=agentmesh1; v=2'); // { ok: false, reason: 'tag "v" appears twice' }
 */
export function parseTagList(text: string): TagListParse {
  const parts = text.split(';');
  // One `;` may end the list.
  if (parts.length > 1 && parts[parts.length - 1]!.replace(WSP, '') === '') parts.pop();
  const tags = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) return { ok: false, reason: `${JSON.stringify(part.replace(WSP, ''))} is not name=value` };
    const name = part.slice(0, eq).replace(WSP, '');
    const value = part.slice(eq + 1).replace(WSP, '');
    if (!NAME.test(name)) return { ok: false, reason: `${JSON.stringify(name)} is not a tag name` };
    if (!VALUE.test(value)) return { ok: false, reason: `the value of tag ${JSON.stringify(name)} is empty or not printable ASCII` };
    if (tags.has(name)) return { ok: false, reason: `tag ${JSON.stringify(name)} appears twice` };
    tags.set(name, value);
  }
  return { ok: true, tags };
}

/** A tag list as its text, `name=value` pairs joined by `; `. */
export function formatTagList(tags: Iterable<readonly [string, string]>): string {
  return [...tags].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The text an owner publishes for `agent`'s claim. */
export function ownershipTxtValue(agent: string, token: string): string {
  return formatTagList([
    ['v', OWNERSHIP_TXT_VERSION],
    ['agent', agent],
    ['token', token],
  ]);
}

/** What one TXT record says: an ownership proof, someone else's record, or ours but broken. */
export type OwnershipTxt = { kind: 'proof'; token: string; agent?: string } | { kind: 'other' } | { kind: 'invalid'; reason: string };

/** Reads one TXT record's text (its strings joined, RFC 7208 §3.3). */
export function readOwnershipTxt(text: string): OwnershipTxt {
  const parsed = parseTagList(text);
  if (!parsed.ok) return /^\s*v\s*=\s*agentmesh/i.test(text) ? { kind: 'invalid', reason: parsed.reason } : { kind: 'other' };
  const [first] = parsed.tags;
  if (first === undefined || first[0] !== 'v' || first[1] !== OWNERSHIP_TXT_VERSION) return { kind: 'other' };
  const token = parsed.tags.get('token');
  if (token === undefined) return { kind: 'invalid', reason: 'it has no token tag' };
  if (!TOKEN.test(token)) return { kind: 'invalid', reason: 'its token is not 16-128 characters of base64url' };
  const agent = parsed.tags.get('agent');
  return { kind: 'proof', token, ...(agent !== undefined && { agent }) };
}
