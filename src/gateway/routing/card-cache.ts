import type { AgentCardJson, ProtocolVersion } from '../../protocol/index.js';
import { servedCard } from './gateway-card.js';
import { toLegacyCard } from './legacy-card.js';

/**
 * Signs a card's JSON form and gives the signed JSON: the gateway's card key
 * (card-signing-key.ts), or the SDK's signer through protocol's
 * `signCardJson`.
 */
export type CardSigner = (card: AgentCardJson) => Promise<AgentCardJson>;

/** A signed card is re-signed after this long even when nothing changed, ms (1 h): a rotated gateway key reaches every card. */
const MAX_AGE_MS = 3_600_000;
/** Cards kept (each agent has one per protocol version); past it the oldest goes. */
const MAX_ENTRIES = 10_000;
const VERSIONS: readonly ProtocolVersion[] = ['1.0', '0.3'];

/** A card as the gateway serves it: its JSON, ETag and `Last-Modified` (an HTTP date). */
export interface GatewayServedCard {
  json: string;
  etag: string;
  lastModified: string;
}

interface Entry {
  unsigned: string;
  sign: CardSigner;
  at: number;
  /** When the unsigned content last changed: a re-signing alone changes the ETag, not this. */
  modifiedAt: number;
  served: Promise<GatewayServedCard>;
}

/**
 * Signed gateway cards, per agent and protocol version: signing costs a JWS
 * per call and ES256 signatures differ at every signing (so would the
 * ETag), so a card is signed again only when its unsigned content, the
 * signer, or an hour passed. Concurrent requests share one signing.
 *
 * Each version's card is signed as it is served: the v0.3 card is the
 * translation of the unsigned v1.0 card (legacy-card.ts), signed in its own
 * right, never the v1.0 card's signature carried over, which would not
 * cover the v0.3 fields (`url`, `security`, `securitySchemes` as OpenAPI
 * objects) a v0.3 client acts on.
 */
export class CardCache {
  readonly #entries = new Map<string, Entry>();

  async get(agent: string, unsignedCard: AgentCardJson, sign: CardSigner, options: { version: ProtocolVersion; now?: number }): Promise<GatewayServedCard> {
    const now = options.now ?? Date.now();
    const key = `${options.version} ${agent}`;
    const unsigned = JSON.stringify(unsignedCard);
    const held = this.#entries.get(key);
    if (held !== undefined && held.unsigned === unsigned && held.sign === sign && now - held.at < MAX_AGE_MS) return held.served;
    // The signer is handed the card's JSON form, as the runtime signs its own
    // (agent-card.ts): the SDK object holds oneofs as { $case, value }, which
    // its canonical form drops, so a signature over it would not cover them.
    const shaped = options.version === '1.0' ? Promise.resolve(unsignedCard) : toLegacyCard(unsignedCard);
    const modifiedAt = held !== undefined && held.unsigned === unsigned ? held.modifiedAt : now;
    // HTTP dates have whole seconds (RFC 9110 §5.6.7).
    const lastModified = new Date(Math.floor(modifiedAt / 1000) * 1000).toUTCString();
    const served = shaped.then((card) => sign(card)).then((signed) => ({ ...servedCard(signed), lastModified }));
    const entry: Entry = { unsigned, sign, at: now, modifiedAt, served };
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    served.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return served;
  }

  /** Forgets the agent's cards, every version's. */
  delete(agent: string): void {
    for (const version of VERSIONS) this.#entries.delete(`${version} ${agent}`);
  }
}
