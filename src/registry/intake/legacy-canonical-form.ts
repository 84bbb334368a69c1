import canonicalize from 'canonicalize';

/** Drops empty strings, nulls, empty arrays and empty objects, recursively (what v0.3 signers omitted). */
function withoutEmpty(value: unknown): unknown {
  if (value === '' || value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(withoutEmpty).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .map(([key, item]) => [key, withoutEmpty(item)] as const)
      .filter(([, item]) => item !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return value;
}

/**
 * The bytes a v0.3 card's signatures are over: the card as submitted without
 * `signatures`, empty values removed, serialized by RFC 8785 (JCS). This is
 * how the v0.3-era a2a-js signer canonicalized; the v1.0 form (the SDK's
 * `canonicalizeAgentCard`) cannot be used here, because it first reads the
 * card as v1.0 and so drops `url`, `preferredTransport` and the rest.
 */
export function legacyCanonicalForm(card: Record<string, unknown>): string {
  const { signatures: _signatures, ...unsigned } = card;
  return canonicalize(withoutEmpty(unsigned) ?? {}) ?? '{}';
}
