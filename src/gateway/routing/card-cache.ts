import type { AgentCard } from '@a2a-js/sdk';
import { servedCard } from './gateway-card.js';

/** Signs a card: the SDK's `generateAgentCardSignature(...)` or anything of its shape. */
export type CardSigner = (card: AgentCard) => Promise<AgentCard>;

/** A signed card is re-signed after this long even when nothing changed, ms (1 h): a rotated gateway key reaches every card. */
const MAX_AGE_MS = 3_600_000;
/** Cards kept; past it the oldest goes. */
const MAX_ENTRIES = 10_000;

interface Entry {
  unsigned: string;
  sign: CardSigner;
  at: number;
  served: Promise<{ json: string; etag: string }>;
}

/**
 * Signed gateway cards, per agent: signing costs a JWS per call and ES256
 * signatures differ at every signing (so would the ETag), so a card is
 * signed again only when its unsigned content, the signer, or an hour
 * passed. Concurrent requests share one signing.
 */
export class CardCache {
  readonly #entries = new Map<string, Entry>();

  async get(agent: string, unsignedCard: Record<string, unknown>, sign: CardSigner, now: number = Date.now()): Promise<{ json: string; etag: string }> {
    const unsigned = JSON.stringify(unsignedCard);
    const held = this.#entries.get(agent);
    if (held !== undefined && held.unsigned === unsigned && held.sign === sign && now - held.at < MAX_AGE_MS) return held.served;
    // The signer is handed the card's JSON form, as the runtime signs its own
    // (agent-card.ts): the SDK object holds oneofs as { $case, value }, which
    // its canonical form drops, so a signature over it would not cover them.
    const served = sign(unsignedCard as unknown as AgentCard).then((signed) => servedCard(signed));
    const entry: Entry = { unsigned, sign, at: now, served };
    this.#entries.delete(agent);
    this.#entries.set(agent, entry);
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    served.catch(() => {
      if (this.#entries.get(agent) === entry) this.#entries.delete(agent);
    });
    return served;
  }

  delete(agent: string): void {
    this.#entries.delete(agent);
  }
}
