import { createHash, type Hash } from 'node:crypto';
import { canonicalJson, plainJson, writeCanonical, type CanonicalPolicy } from './canonical-json.js';
import { boundedText, storableText } from './storable-text.js';

/** Largest `detail` stored, in UTF-8 bytes of its canonical JSON; a larger one is replaced by a marker. */
export const MAX_DETAIL_BYTES = 16 * 1024;
/** Deepest `detail` stored (`{}` is depth 1); a deeper one is replaced by a marker. */
export const MAX_DETAIL_DEPTH = 32;
/** Most canonical JSON (UTF-16 code units) read to hash an oversized `detail`; past it the marker holds no hash. */
export const MAX_DETAIL_HASHED = 32 * 1024 * 1024;

/**
 * Keys whose values are credentials. The trail must never hold a secret in
 * clear (docs/security.md#the-audit-trail), so a caller that passes one in `detail` gets it censored.
 */
const SECRET_KEYS: ReadonlySet<string> = new Set(
  ['secret', 'clientsecret', 'client_secret', 'password', 'token', 'accesstoken', 'access_token', 'refreshtoken', 'refresh_token', 'idtoken', 'id_token', 'authorization', 'apikey', 'api_key', 'x-api-key', 'privatekey', 'private_key', 'cookie', 'assertion', 'client_assertion', 'subjecttoken', 'subject_token', 'actortoken', 'actor_token'],
);

/** Storable strings and keys, credentials redacted, BigInts and cycles written as strings rather than refused (exported for its tests). */
export const DETAIL_POLICY: CanonicalPolicy = { text: storableText, redact: (key) => SECRET_KEYS.has(key.toLowerCase()), unrepresentable: 'mark' };

/**
 * The `detail` column: the canonical JSON of `value` with every string and
 * key made storable ({@link storableText}), credential-like keys redacted, a
 * BigInt written as its decimal string and a cycle as `"[circular]"`. One
 * walk, without recursion, so neither depth nor size can throw.
 *
 * A value deeper than {@link MAX_DETAIL_DEPTH} or larger than
 * {@link MAX_DETAIL_BYTES} is replaced by
 * `{"bytes":n,"depth":d,"reason":"depth"|"size","sha256":h,"truncated":true}`,
 * where `h` is the SHA-256 of the canonical JSON it replaces (that JSON is
 * `n` bytes long). Past {@link MAX_DETAIL_HASHED} the walk stops: the marker
 * says `"complete":false` and holds no hash. A value that cannot be read (a
 * getter or `toJSON()` that throws) becomes
 * `{"error":…,"reason":"unreadable","truncated":true}`.
 *
 * @example
 * detailJson({ b: 1, a: '\ud800', token: 'x' }); // '{"a":"\ufffd","b":1,"token":"[redacted]"}'
 */
export function detailJson(value: unknown): string {
  const parts: string[] = [];
  let chars = 0;
  let bytes = 0;
  let hash: Hash | undefined;
  let walk;
  try {
    // The usual detail (a few plain members) in one recursive pass; at most 3 UTF-8 bytes per UTF-16 code unit.
    const plain = plainJson(value, 0, DETAIL_POLICY);
    if (plain !== undefined && plain.length * 3 <= MAX_DETAIL_BYTES) return plain;
    walk = writeCanonical(value, DETAIL_POLICY, (chunk) => {
      chars += chunk.length;
      if (hash !== undefined) {
        hash.update(chunk);
        bytes += Buffer.byteLength(chunk);
      } else {
        parts.push(chunk);
        // A UTF-8 byte count is never below the UTF-16 count: past the bound in chars is past it in bytes.
        if (chars > MAX_DETAIL_BYTES) {
          hash = createHash('sha256');
          const head = parts.join('');
          hash.update(head);
          bytes = Buffer.byteLength(head);
          parts.length = 0;
        }
      }
      return chars <= MAX_DETAIL_HASHED;
    });
  } catch (err) {
    return canonicalJson({ truncated: true, reason: 'unreadable', error: boundedText(err instanceof Error ? String(err.message) : `a thrown ${typeof err}`, 256) });
  }
  if (!walk.complete) return canonicalJson({ truncated: true, reason: 'size', bytes, complete: false });
  if (hash === undefined) {
    const json = parts.length === 1 ? parts[0]! : parts.join('');
    // At most 3 UTF-8 bytes per UTF-16 code unit: a short text needs no count.
    bytes = json.length * 3 <= MAX_DETAIL_BYTES ? -1 : Buffer.byteLength(json);
    if (bytes <= MAX_DETAIL_BYTES && walk.depth <= MAX_DETAIL_DEPTH) return json;
    if (bytes < 0) bytes = Buffer.byteLength(json);
    hash = createHash('sha256').update(json);
  }
  return canonicalJson({ truncated: true, reason: walk.depth > MAX_DETAIL_DEPTH ? 'depth' : 'size', bytes, depth: walk.depth, sha256: hash.digest('hex') });
}
