import { canonicalizeAgentCard, type AgentCardSignature, type AgentCardSignatureGenerator, type JsonInput } from '@a2a-js/sdk';

/**
 * An agent card in its JSON form (ProtoJSON: the proto's JSON names, default
 * values left out): the form a card is served, submitted and signed in. The
 * SDK's `AgentCard` is the object `AgentCard.fromJSON` makes of it, which
 * holds oneofs (security schemes, OAuth flows) as `{ $case, value }`.
 */
export type AgentCardJson = Record<string, unknown>;

/**
 * A card's JSON as the SDK's signature helpers take it. They are declared
 * over the object form, `AgentCard`, but what they read is the JSON form:
 * `canonicalizeAgentCard` starts with `AgentCard.fromJSON(card)`, and handed
 * the object form it would leave its oneofs out of what is signed
 * (a2a-js#663). `JsonInput` is the SDK's own type of what `fromJSON` reads,
 * so the JSON goes in as that and nothing here claims it is the object form.
 */
function sdkJsonInput(card: AgentCardJson): JsonInput {
  return card;
}

/**
 * The bytes a v1.0 card's signatures are over (A2A §8.4.1): the SDK's
 * canonical form of the card's JSON, `signatures` left out.
 */
export function canonicalCardForm(card: AgentCardJson): string {
  return canonicalizeAgentCard(sdkJsonInput(card));
}

/**
 * Signs a card's JSON form with `sign` (the SDK's
 * `generateAgentCardSignature(...)`): the card with the new signature after
 * the ones it had.
 *
 * @example
 * const signed = await signCardJson(generateAgentCardSignature(privateKey, { alg: 'ES256', kid, typ: 'JOSE' }), card);
 */
export async function signCardJson(sign: AgentCardSignatureGenerator, card: AgentCardJson): Promise<AgentCardJson & { signatures: AgentCardSignature[] }> {
  const signed = await sign(sdkJsonInput(card));
  return { ...card, signatures: signed.signatures };
}
