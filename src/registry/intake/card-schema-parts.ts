/**
 * What the JSON Schemas of an A2A v1.0 card (`agent-card-schema.ts`) and a
 * v0.3 card (`legacy-agent-card-schema.ts`) have in common: the value types,
 * the skill, provider, extension and signature shapes, and the card fields
 * both versions spell the same. Each version's file adds what is its own
 * (endpoints, security schemes and requirements, capability flags).
 *
 * The groups of card fields are spread into each schema where that version
 * lists them, so the properties keep their order and the violations of a
 * card come out in the same order as the version's field list.
 */

export const text = { type: 'string' };
export const nonEmpty = { type: 'string', minLength: 1 };
export const httpUrl = { type: 'string', format: 'http-url' };
/** Also `""`, which ProtoJSON writes for an unset optional string. */
export const optionalHttpUrl = { type: 'string', format: 'optional-http-url' };
export const flag = { type: 'boolean' };
export const strings = { type: 'array', items: text };
export const scopes = { type: 'object', additionalProperties: text };
const mediaTypes = { type: 'array', minItems: 1, items: nonEmpty, errorMessage: 'must list at least one media type' };

/**
 * Signatures per card. Several support key rotation (A2A §8.4.3); each may
 * send the registry to fetch a key set, so the count is bounded.
 */
export const MAX_SIGNATURES = 5;

/** A signature entry (A2A §8.4.2); whether it verifies is `card-signatures.ts`'s business. */
export const cardSignatureSchema = {
  type: 'object',
  required: ['protected', 'signature'],
  // An empty signature is what `alg: none` looks like: the signature check refuses it with that reason.
  properties: { protected: nonEmpty, signature: text, header: { type: 'object' } },
};

/** Provider and capabilities have the same shape in v0.3 and v1.0 (save the extended-card flag). */
export const providerSchema = {
  type: 'object',
  required: ['url', 'organization'],
  properties: { url: httpUrl, organization: nonEmpty },
};
export const extensionsSchema = {
  type: 'array',
  items: { type: 'object', required: ['uri'], properties: { uri: nonEmpty, description: text, required: flag, params: { type: 'object' } } },
};

/** The capabilities object: the shared flags and extensions, with the version's own flag (the extended card's) between them. */
export function capabilitiesSchema(versionFlags: Record<string, typeof flag>) {
  return { type: 'object', properties: { streaming: flag, pushNotifications: flag, ...versionFlags, extensions: extensionsSchema } };
}

/** A skill: the same fields in both versions but for which are required and how its security requirements are written. */
export function skillsSchema(required: readonly string[], security: Record<string, unknown>) {
  const skill = {
    type: 'object',
    required,
    properties: {
      id: nonEmpty,
      name: nonEmpty,
      description: nonEmpty,
      tags: { type: 'array', items: nonEmpty },
      examples: strings,
      inputModes: { type: 'array', items: nonEmpty },
      outputModes: { type: 'array', items: nonEmpty },
      ...security,
    },
  };
  return { type: 'array', minItems: 1, items: skill, errorMessage: 'must list at least one skill' };
}

/** The card's first fields, in both versions. */
export const namedFields = { name: nonEmpty, description: nonEmpty };
/** Who publishes the card and which version of it, in both versions. */
export const publisherFields = { provider: providerSchema, version: nonEmpty, documentationUrl: optionalHttpUrl };
/** The media types every skill takes and gives unless it says otherwise. */
export const defaultModeFields = { defaultInputModes: mediaTypes, defaultOutputModes: mediaTypes };
export const signaturesSchema = { type: 'array', maxItems: MAX_SIGNATURES, items: cardSignatureSchema };

/**
 * A card's schema: an object with the fields both versions require, one of
 * them the version's endpoint field (`supportedInterfaces` in v1.0, `url` in v0.3).
 */
export function cardSchema(endpointField: string, properties: Record<string, object>) {
  return { type: 'object', required: ['name', 'description', endpointField, 'version', 'capabilities', 'defaultInputModes', 'defaultOutputModes', 'skills'], properties };
}
