import type { AgentCard } from '@a2a-js/sdk';

/** A card the registry accepts: valid, as v1.0, with what it was submitted as. */
export interface AdmittedCard {
  /**
   * The card as the SDK's v1.0 `AgentCard` (unknown fields dropped). It is the
   * SDK's object form: write it out with `AgentCard.toJSON(card)` and read it
   * back with `AgentCard.fromJSON(json)`, since oneofs such as security schemes
   * are `{ $case, value }` in memory and plain keys on the wire.
   */
  card: AgentCard;
  /** The protocol version the submitted card declared. */
  sourceProtocol: '1.0' | '0.3';
  /** A signature on the card verified. */
  signed: boolean;
  /** Where the card was fetched from (`fromUrl`), or the URL given with it (`fromJson`). */
  cardUrl?: string;
}
